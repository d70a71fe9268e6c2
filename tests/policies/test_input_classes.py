"""Default deny, the data: the input inventory is what the installed SDKs say about every type the program
registers (a provider upgrade that adds inputs changes it), every inventoried input and option has a row in
the classification table, every ``enforced`` row names a policy of the pack, and the committed stacks pass."""

from __future__ import annotations

import pytest
from chatpdd_policies import ALL_POLICIES
from chatpdd_policies._input_table import OPTIONS, TYPES, TableError, compile_table
from chatpdd_policies.stack_inputs_allow_only_classified import POLICY

from gate import inventory
from gate.pack.options import option_findings
from gate.pack.pack_session import to_analyzer
from tests.policies.harness import run

INVENTORY = inventory.load()
POLICY_NAMES = {p.name for p in ALL_POLICIES}


def test_inventory_is_not_stale(program_runs):
    """`make schema` (python -m gate.inventory) regenerates it from the installed SDKs and the types the
    program registers for both committed stacks."""
    types = sorted({inventory.STACK_TYPE} | {r.type for run in program_runs.values() for r in run.resources})
    assert inventory.TARGET.read_text(encoding="utf-8") == inventory.render(types), (
        "stacks/input-inventory.json is stale: run `make schema` and classify what it adds")


def test_inventory_walks_nested_inputs_under_wire_names():
    sse = INVENTORY["types"]["aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration"]
    assert sse["inputs"]["rules[].applyServerSideEncryptionByDefault.sseAlgorithm"] == "scalar"
    assert INVENTORY["types"]["aws:rds/instance:Instance"]["inputs"]["deleteAutomatedBackups"] == "scalar"
    assert INVENTORY["types"]["aws:sns/topic:Topic"]["inputs"]["tags"] == "map"
    assert INVENTORY["types"]["aws:rds/instance:Instance"]["inputs"]["vpcSecurityGroupIds"] == "list"
    assert "retainOnDelete" in INVENTORY["options"] and "ignoreChanges" in INVENTORY["options"]


def test_every_inventoried_input_is_classified():
    missing = [f"{token} {path}" for token, spec in INVENTORY["types"].items() for path in spec["inputs"]
               if path not in TYPES.get(token, type("", (), {"rows": {}})).rows]
    assert not [t for t in INVENTORY["types"] if t not in TYPES], "types without a section in input_classes.yaml"
    assert missing == [], f"{len(missing)} inputs without a row in input_classes.yaml, e.g. {missing[:10]}"


def test_no_row_for_an_input_the_sdk_does_not_have():
    stale = [f"{token} {path}" for token, table in TYPES.items() for path in table.rows
             if path not in INVENTORY["types"].get(token, {}).get("inputs", {})]
    assert stale == []


def test_every_option_is_classified():
    assert sorted(OPTIONS) == sorted(INVENTORY["options"])


def test_enforced_rows_name_policies_of_the_pack():
    named = {row.arg for table in TYPES.values() for row in table.rows.values() if row.kind == "enforced"}
    named |= {row.arg for row in OPTIONS.values() if row.kind == "enforced"}
    assert named - POLICY_NAMES == set()


@pytest.mark.parametrize("stack", ["production", "staging"])
def test_committed_stacks_pass(program_runs, stack):
    messages = [m for r in program_runs[stack].resources for m in run(POLICY, to_analyzer(r)).messages]
    assert messages == []
    assert option_findings(program_runs[stack].resources) == []


def test_counts_are_what_the_note_reports():
    kinds: dict[str, int] = {}
    for table in TYPES.values():
        for row in table.rows.values():
            kinds[row.kind] = kinds.get(row.kind, 0) + 1
    assert sum(kinds.values()) == sum(len(s["inputs"]) for s in INVENTORY["types"].values())
    assert kinds["default"] > kinds["harmless"] > 0 and kinds["enforced"] > 0


@pytest.mark.parametrize(("doc", "message"), [
    ({"options": {}, "types": {"t": {"a": {"equal": 1}}}}, "types.t.a: unknown kind 'equal'"),
    ({"options": {}, "types": {"t": {"a": {"at_least": "x"}}}}, "types.t.a: at_least needs a number"),
    ({"options": {}, "types": {"t": {"a": {"harmless": ""}}}}, "types.t.a: harmless needs a policy name or a reason"),
    ({"options": {"protect": "defaults"}, "types": {}}, "options.protect: expected `default` or a one-key mapping"),
    ({"types": {}}, "expected a mapping with `options` and `types`"),
])
def test_a_malformed_table_names_the_row(doc, message):
    with pytest.raises(TableError, match=message.replace("(", r"\(").replace(")", r"\)").replace("`", ".")):
        compile_table(doc)


def test_no_type_or_row_is_written_twice():
    """YAML keeps the last of two equal keys without a word: a merge that adds a type section twice would
    silently drop one reviewer's rows."""
    import re

    from chatpdd_policies._input_table import TABLE_PATH

    seen_types: set[str] = set()
    rows: set[str] = set()
    twice = []
    for line in TABLE_PATH.read_text(encoding="utf-8").splitlines():
        if match := re.match(r'^  "([^"]+)":', line):
            twice += [match.group(1)] if match.group(1) in seen_types else []
            seen_types.add(match.group(1))
            rows = set()
        elif match := re.match(r'^    "([^"]+)":', line):
            twice += [match.group(1)] if match.group(1) in rows else []
            rows.add(match.group(1))
    assert twice == []
