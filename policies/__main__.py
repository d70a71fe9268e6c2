"""The chatpdd-guardrails policy pack. Run by the Pulumi CLI (``pulumi preview --policy-pack policies``):
building the PolicyPack starts the Analyzer gRPC server and blocks, so never import this module."""

from chatpdd_policies import ALL_POLICIES, _config_guard
from pulumi_policy import EnforcementLevel, PolicyPack

# Tighten-only config: for production the pack refuses, at Configure, a config that loosens the checklist
# (the CLI's --policy-pack-config and the gate send the same file). Why and how: _config_guard.py.
_config_guard.install(ALL_POLICIES)

PolicyPack(
    name="chatpdd-guardrails",
    policies=ALL_POLICIES,
    enforcement_level=EnforcementLevel.MANDATORY,
    description="ChatPDD production deployment checklist as policy (see docs/checklist.md).",
    tags=["chatpdd", "aws", "rediscloud", "vercel"],
)
