"""The chatpdd-guardrails policy pack. Run by the Pulumi CLI (``pulumi preview --policy-pack policies``):
building the PolicyPack starts the Analyzer gRPC server and blocks, so never import this module."""

from chatpdd_policies import ALL_POLICIES
from pulumi_policy import EnforcementLevel, PolicyPack

PolicyPack(
    name="chatpdd-guardrails",
    policies=ALL_POLICIES,
    enforcement_level=EnforcementLevel.MANDATORY,
    description="ChatPDD production deployment checklist as policy (see docs/checklist.md).",
    tags=["chatpdd", "aws", "rediscloud", "vercel"],
)
