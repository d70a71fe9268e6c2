"""The curated replace-on-change table (gate/review/replacements.py) and the diff that uses it (gate/review/changes.py).

One test per table entry: every input it lists exists on the installed SDK's resource, has a source, and
changing it alone is reported as a replacement -- blocking exactly when the type is one of the pack's
stateful types (the pack's own list, read from the policy module, not copied).
"""

from __future__ import annotations

import importlib
import inspect
import re
import sys
import warnings
from pathlib import Path

import pytest

from gate.common.findings import Finding
from gate.program.program import SECRET_SIG, SECRET_VALUE_SIG, CapturedResource
from gate.review.change_review import CHANGE_POLICY, change_findings, verdict_delta
from gate.review.changes import AliasResolver, changed_paths, diff, make_urn
from gate.review.replacements import REPLACE_ON_CHANGE, SOURCES

POLICIES_DIR = Path(__file__).resolve().parents[2] / "policies"
if str(POLICIES_DIR) not in sys.path:  # the pack's own package, as tests/policies import it
    sys.path.insert(0, str(POLICIES_DIR))
from chatpdd_policies.stack_protect_stateful_resources import DEFAULTS  # noqa: E402

STATEFUL = set(DEFAULTS["statefulTypes"])
SDK = {"aws": "pulumi_aws", "rediscloud": "pulumi_rediscloud", "vercel": "pulumiverse_vercel"}
STACK = "urn:pulumi:production::chatpdd-infra::pulumi:pulumi:Stack::chatpdd-infra-production"
ENTRIES = [(t, p) for t, props in sorted(REPLACE_ON_CHANGE.items()) for p in props]


def resource(type_: str, props: dict[str, object] | None = None, *, name: str = "r", parent: str | None = STACK,
             protect: bool = True) -> CapturedResource:
    urn = make_urn("production", "chatpdd-infra", type_, name, parent)
    return CapturedResource(urn=urn, type=type_, name=name, custom=not type_.startswith("chatpdd:"),
                            parent=parent, properties=dict(props or {}), protect=protect)


def secret(value: object) -> dict[str, object]:
    return {SECRET_SIG: SECRET_VALUE_SIG, "value": value}


def _sdk_inputs(type_: str) -> set[str]:
    package, module, cls = type_.split(":")
    path = SDK[package] + ("" if module.startswith("index/") else "." + module.split("/")[0])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        resource_class = getattr(importlib.import_module(path), cls)
    return set(inspect.signature(resource_class._internal_init).parameters)


@pytest.mark.parametrize("type_", sorted(REPLACE_ON_CHANGE))
def test_every_entry_names_real_inputs_and_cites_its_source(type_):
    snake = {re.sub(r"(?<!^)(?=[A-Z])", "_", p).lower() for p in REPLACE_ON_CHANGE[type_]}
    assert snake <= _sdk_inputs(type_), f"not inputs of {type_} in the installed SDK: {snake - _sdk_inputs(type_)}"
    assert len(REPLACE_ON_CHANGE[type_]) == len(set(REPLACE_ON_CHANGE[type_]))
    source = SOURCES[type_]
    assert ("ForceNew" in source or "RequiresReplace" in source or "force creation of a new resource" in source)
    assert all(re.sub(r"(?<!^)(?=[A-Z])", "_", p).lower() in source for p in REPLACE_ON_CHANGE[type_]), \
        "the source names every input of the entry"


def test_the_table_covers_every_stateful_type_of_the_pack():
    assert set(SOURCES) == set(REPLACE_ON_CHANGE)
    assert STATEFUL <= set(REPLACE_ON_CHANGE)


@pytest.mark.parametrize(("type_", "prop"), ENTRIES, ids=[f"{t.split(':')[-1]}.{p}" for t, p in ENTRIES])
def test_changing_a_replace_on_change_input_is_a_replacement(type_, prop):
    changes = diff([resource(type_, {prop: "old", "tags": {"a": "b"}})],
                   [resource(type_, {prop: "new", "tags": {"a": "b"}})], STATEFUL).changes
    assert [(c.action, c.paths, c.blocking) for c in changes] == [("replace", [prop], type_ in STATEFUL)]
    if type_ in STATEFUL:
        assert "its data is lost" in changes[0].reason and "gate-destructive-change" in changes[0].fix


def test_an_input_outside_the_table_is_an_update():
    changes = diff([resource("aws:rds/instance:Instance", {"instanceClass": "db.r6g.large"})],
                   [resource("aws:rds/instance:Instance", {"instanceClass": "db.r6g.xlarge"})], STATEFUL).changes
    assert [(c.action, c.paths, c.blocking) for c in changes] == [("update", ["instanceClass"], False)]


def test_the_proxy_name_is_renamed_in_place_not_replaced():
    changes = diff([resource("aws:rds/proxy:Proxy", {"name": "a"}, name="p")],
                   [resource("aws:rds/proxy:Proxy", {"name": "b"}, name="p")], STATEFUL).changes
    assert [c.action for c in changes] == ["update"]


def test_replace_on_changes_option_of_the_resource_counts():
    base = resource("aws:sns/topic:Topic", {"displayName": "a"})
    head = resource("aws:sns/topic:Topic", {"displayName": "b"})
    head.replace_on_changes = ["displayName"]
    assert [c.action for c in diff([base], [head], STATEFUL).changes] == ["replace"]


def test_secret_values_are_compared_but_only_the_path_is_reported():
    found = changed_paths({"password": secret("offline-generated-aaaa"), "x": 1},
                          {"password": secret("offline-generated-bbbb"), "x": 1})
    assert found == [("password", True)]
    change = diff([resource("aws:rds/instance:Instance", {"password": secret("offline-generated-aaaa")})],
                  [resource("aws:rds/instance:Instance", {"password": secret("offline-generated-bbbb")})],
                  STATEFUL).changes[0]
    assert change.action == "update" and change.secret_paths == ["password"]
    assert "password (secret: changed, value not shown)" in change.reason
    assert "offline-generated" not in repr(change.as_dict())


def test_a_component_alias_is_inherited_by_its_children():
    old_parent = resource("chatpdd:components:Storage", name="storage")
    old_child = resource("aws:s3/bucket:Bucket", {"bucket": "b"}, name="storage-uploads", parent=old_parent.urn)
    new_parent = resource("chatpdd:components:Storage", name="files")
    new_parent.aliases = [{"spec": {"name": "storage"}}]
    new_child = resource("aws:s3/bucket:Bucket", {"bucket": "b"}, name="files-uploads", parent=new_parent.urn)
    assert AliasResolver([new_parent, new_child]).aliases(new_child.urn) >= {old_child.urn}
    changes = diff([old_parent, old_child], [new_parent, new_child], STATEFUL)
    assert {(c.action, c.blocking) for c in changes.changes} == {("rename", False)}
    assert changes.head_to_base[new_child.urn] == old_child.urn


def test_without_the_alias_the_same_physical_bucket_is_a_blocking_move_with_the_fix():
    old = resource("aws:s3/bucket:Bucket", {"bucket": "b"}, name="storage-uploads")
    new = resource("aws:s3/bucket:Bucket", {"bucket": "b"}, name="files-uploads")
    [change] = diff([old], [new], STATEFUL).changes
    assert (change.action, change.blocking, change.old_urn) == ("move", True, old.urn)
    assert f'aliases=["{old.urn}"]' in change.fix


def test_deleting_a_stateful_resource_blocks_unless_retained():
    gone = resource("aws:kms/key:Key", {"description": "x"}, name="k")
    [change] = diff([gone], [], STATEFUL).changes
    assert (change.action, change.blocking, change.urn) == ("delete", True, gone.urn)
    gone.retain_on_delete = True
    assert [c.blocking for c in diff([gone], [], STATEFUL).changes] == [False]
    assert [c.blocking for c in diff([resource("aws:sns/topic:Topic", name="t")], [], STATEFUL).changes] == [False]


def test_dropping_protect_from_a_stateful_resource_blocks():
    [change] = diff([resource("vercel:index/project:Project", {"name": "x"}, protect=True)],
                    [resource("vercel:index/project:Project", {"name": "x"}, protect=False)], STATEFUL).changes
    assert (change.action, change.blocking, change.paths) == ("unprotect", True, ["protect"])
    [finding] = change_findings([change])
    assert (finding.policy, finding.enforcement, finding.urn) == (CHANGE_POLICY, "mandatory", change.urn)


def test_verdict_delta_maps_renamed_resources_and_counts_fixed_findings():
    head = [Finding(policy="p1", source="policy-pack", enforcement="mandatory", severity="high", message="m",
                    urn="urn:new", fingerprint="f1"),
            Finding(policy="p2", source="policy-pack", enforcement="mandatory", severity="high", message="m",
                    urn="urn:x", fingerprint="f2")]
    new, fixed, unchanged = verdict_delta(head, [("p1", "urn:old"), ("p3", "urn:y")], {"urn:new": "urn:old"})
    assert (new, fixed, unchanged) == (["f2"], [{"policy": "p3", "urn": "urn:y"}], 1)


def test_components_are_deleted_and_created_never_paired_as_moves():
    old = resource("chatpdd:components:Storage", name="storage")
    new = resource("chatpdd:components:Storage", name="files")
    assert sorted((c.action, c.blocking) for c in diff([old], [new], STATEFUL).changes) == [
        ("create", False), ("delete", False)]
