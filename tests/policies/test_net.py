"""The pack's allowlist rule (chatpdd_policies/_net.py) and the stack config's (stacks/netspace.py) are the
same rule: same reserved ranges, same totals, same bounds (stacks/checklist.py)."""

from __future__ import annotations

import pytest
from chatpdd_policies import _net

from stacks import checklist, netspace

CASES = [
    ["0.0.0.0/0"], ["0.0.0.0/1", "128.0.0.0/1"], ["10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16"],
    ["203.0.113.10/32", "8.8.8.8/32"], ["8.8.8.0/24", "8.8.9.0/32"], ["::/0"], ["::/1", "8000::/1"],
    ["2600:1f18::/64"], ["2600:1f18::/63"], ["fd00::/8", "fe80::/10"], ["::ffff:0.0.0.0/96"], ["100.64.0.0/10"],
    ["11.0.0.0/8", "11.0.0.0/9"], ["8.8.8.8"],
]


def test_same_reserved_ranges():
    assert _net.NON_PUBLIC_V4 == netspace.NON_PUBLIC[4]
    assert _net.NON_PUBLIC_V6 == netspace.NON_PUBLIC[6]


@pytest.mark.parametrize("cidrs", CASES, ids=["+".join(c) for c in CASES])
def test_same_totals_and_verdict(cidrs):
    space = _net.public_space(cidrs)
    assert netspace.public_addresses(cidrs) == {4: space.v4, 6: space.v6}
    pack_refuses = bool(space.problem(checklist.MIN_PUBLIC_PREFIX_V4, checklist.MIN_PUBLIC_PREFIX_V6))
    assert bool(netspace.too_public(cidrs)) == pack_refuses


def test_halves_are_the_whole_internet():
    assert _net.public_space(["0.0.0.0/1", "128.0.0.0/1"]).v4 == _net.public_space(["0.0.0.0/0"]).v4
    assert _net.public_space(["::/1", "8000::/1"]).v6 == _net.public_space(["::/0"]).v6
