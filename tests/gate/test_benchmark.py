"""The benchmark's synthetic stacks are consistent (a script, not a timed test: no timing is asserted)."""

from __future__ import annotations

from gate.benchmark import program_floor_code, synthetic


def test_synthetic_stack_is_a_consistent_replica(production_run):
    resources = synthetic(production_run.resources, 1000)
    urns = {r.urn for r in resources}
    assert len(resources) == len(urns) == 1000
    root = next(r.parent for r in production_run.resources if r.parent and r.parent.split("::")[2] == "pulumi:pulumi:Stack")
    for r in resources:
        assert r.parent in urns or r.parent == root
        assert set(r.dependencies) <= urns
        assert {u for v in r.property_dependencies.values() for u in v} <= urns
        assert r.provider is None or "::".join(r.provider.split("::")[:4]) in urns
        assert r.urn.endswith("::" + r.name)


def test_program_floor_touches_the_aws_modules_the_program_uses(production_run):
    code = program_floor_code(production_run.resources)
    assert code.startswith("import pulumi, pulumi_aws") and "pulumi_aws.rds.Instance" in code
