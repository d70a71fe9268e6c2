"""Explicit providers, configured from the typed stack config.

The stack files set `pulumi:disable-default-providers: ["*"]`, so nothing can silently use an
ambient default provider (a laptop's AWS profile in another account, say). Credentials come from
the environment (AWS: OIDC role in CI, a profile locally) or from stack secrets (Vercel, Redis Cloud).
"""

from __future__ import annotations

from dataclasses import dataclass

import pulumi
import pulumi_aws
import pulumi_aws as aws
import pulumi_random as random
import pulumi_rediscloud as rediscloud
import pulumiverse_vercel as vercel

from stacks.models import StackConfig


@dataclass(frozen=True)
class Providers:
    """The explicit providers every component uses (default providers are disabled)."""
    aws: aws.Provider
    # Route 53 health-check metrics exist only in us-east-1: alarms on them need a provider there.
    aws_us_east_1: pulumi_aws.Provider  # the field `aws` hides the module name below it
    # The disaster-recovery region (storage.dr_region, never the stack's region): the replica of the backups
    # bucket and its key. Passed to Storage explicitly, not in `all` (one provider per package there).
    aws_dr: pulumi_aws.Provider
    vercel: vercel.Provider
    rediscloud: rediscloud.Provider
    random: random.Provider

    @property
    def all(self) -> list[pulumi.ProviderResource]:
        """Every provider, for resources that must depend on all of them."""
        return [self.aws, self.vercel, self.rediscloud, self.random]


def create_providers(config: StackConfig) -> Providers:
    """Build the explicit providers from the typed config (allowed account ids, regions, tokens)."""
    main = aws.Provider("aws", region=config.aws.region, allowed_account_ids=config.aws.allowed_account_ids)
    us_east_1 = main if config.aws.region == "us-east-1" else aws.Provider(
        "aws-us-east-1", region="us-east-1", allowed_account_ids=config.aws.allowed_account_ids
    )
    dr = aws.Provider("aws-dr", region=config.storage.dr_region, allowed_account_ids=config.aws.allowed_account_ids)
    return Providers(
        aws=main,
        aws_us_east_1=us_east_1,
        aws_dr=dr,
        vercel=vercel.Provider(
            "vercel",
            api_token=pulumi.Output.secret(config.app.vercel_api_token.get_secret_value()),
            team=config.app.vercel_team_id,
        ),
        rediscloud=rediscloud.Provider(
            "rediscloud",
            api_key=pulumi.Output.secret(config.cache.api_key.get_secret_value()),
            secret_key=pulumi.Output.secret(config.cache.secret_key.get_secret_value()),
        ),
        random=random.Provider("random"),
    )
