"""One address-space rule: ``stacks/netspace.py`` is written once; the pack's ``chatpdd_policies/_netspace.py``
is its generated copy (``make schema``). These tests fail when the copy is stale and check the rule's verdicts
as the stack config (stacks/models.py) and the pack (_net.py's bounds) apply them."""

from __future__ import annotations

import pytest
from chatpdd_policies import _net, _netspace

from stacks import checklist, netspace, pack_defaults
from stacks.models import _few_public_networks

CASES = [
    ["0.0.0.0/0"], ["0.0.0.0/1", "128.0.0.0/1"], ["10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16"],
    ["203.0.113.10/32", "8.8.8.8/32"], ["8.8.8.0/24", "8.8.9.0/32"], ["::/0"], ["::/1", "8000::/1"],
    ["2600:1f18::/64"], ["2600:1f18::/63"], ["fd00::/8", "fe80::/10"], ["::ffff:0.0.0.0/96"], ["100.64.0.0/10"],
    ["11.0.0.0/8", "11.0.0.0/9"], ["8.8.8.8"], ["2002:0808:0800::/40"], ["2002::/16"],
]


def test_the_pack_copy_is_generated_from_stacks_and_not_stale():
    assert pack_defaults.NETSPACE_TARGET.read_text(encoding="utf-8") == pack_defaults.render_netspace(), (
        "policies/chatpdd_policies/_netspace.py is stale: run `python -m stacks.pack_defaults` (make schema)")
    assert pack_defaults.render_netspace().endswith(pack_defaults.NETSPACE_SOURCE.read_text(encoding="utf-8"))


def test_the_pack_judges_with_the_generated_rule():
    assert _net.public_space is _netspace.public_space
    assert _netspace.NON_PUBLIC_V4 == netspace.NON_PUBLIC_V4 and _netspace.NON_PUBLIC_V6 == netspace.NON_PUBLIC_V6


def test_a_stale_copy_is_reported(tmp_path, monkeypatch, capsys):
    stale = tmp_path / "_netspace.py"
    stale.write_text(pack_defaults.render_netspace().replace('"10.0.0.0/8", ', ""), encoding="utf-8")
    monkeypatch.setattr(pack_defaults, "NETSPACE_TARGET", stale)
    assert pack_defaults.main(["pack_defaults", "--check"]) == 1
    assert f"{stale} is stale" in capsys.readouterr().err


@pytest.mark.parametrize("cidrs", CASES, ids=["+".join(c) for c in CASES])
def test_stack_config_and_pack_give_the_same_verdict(cidrs):
    space = _net.public_space(cidrs)
    assert netspace.public_addresses(cidrs) == {4: space.v4, 6: space.v6}
    pack_refuses = bool(space.problem(checklist.MIN_PUBLIC_PREFIX_V4, checklist.MIN_PUBLIC_PREFIX_V6))
    try:
        _few_public_networks(cidrs)  # the Allowlist's union check (a single /0 is also refused by Cidr itself)
        model_refuses = False
    except ValueError as error:
        model_refuses = "of the internet" in str(error)
    assert model_refuses == pack_refuses


def test_halves_are_the_whole_internet():
    assert _net.public_space(["0.0.0.0/1", "128.0.0.0/1"]).v4 == _net.public_space(["0.0.0.0/0"]).v4
    assert _net.public_space(["::/1", "8000::/1"]).v6 == _net.public_space(["::/0"]).v6
