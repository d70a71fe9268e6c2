"""What every component shares: the stack's naming and tagging, and child resource options."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

import pulumi
import pulumi_aws

# Type tokens are `chatpdd:components:<ClassName>`: the token always matches the class name.
TYPE_PREFIX = "chatpdd:components"


@dataclass(frozen=True)
class StackContext:
    """Names and tags for one stack. Physical names are `chatpdd-<stack>-<role>` and set explicitly,
    so identifiers that alarms and policies refer to are known at preview (never auto-named)."""

    stack: str
    owner: str
    data_classification: str
    account_id: str
    region: str

    @property
    def prefix(self) -> str:
        """The stack's physical-name prefix, ``chatpdd-<stack>``."""
        return f"chatpdd-{self.stack}"

    def name(self, role: str) -> str:
        """The physical name of one role: ``<prefix>-<role>``."""
        return f"{self.prefix}-{role}"

    @property
    def partition(self) -> str:
        """The ARN partition of the stack's region, for ARNs built from known strings (no invoke)."""
        if self.region.startswith("us-gov-"):
            return "aws-us-gov"
        if self.region.startswith("cn-"):
            return "aws-cn"
        return "aws"

    def tags(self, role: str | None = None, **extra: str) -> dict[str, str]:
        """Tags for every taggable resource: service, stack, owner, data classification (DEVELOPERS brief)."""
        tags = {
            "Service": "chatpdd",
            "Stack": self.stack,
            "Owner": self.owner,
            "DataClassification": self.data_classification,
            "ManagedBy": "pulumi",
        }
        if role:
            tags["Role"] = role
        tags.update(extra)
        return tags


def child(parent: pulumi.Resource, **kwargs: Any) -> pulumi.ResourceOptions:
    """Options for a child resource: always parented to its component (providers are inherited)."""
    return pulumi.ResourceOptions(parent=parent, **kwargs)


def stateful(parent: pulumi.Resource, **kwargs: Any) -> pulumi.ResourceOptions:
    """Options for a stateful child (data lives in it): protected against `pulumi destroy` and replacement
    by accident. Unprotect deliberately with `pulumi state unprotect <urn>`."""
    return pulumi.ResourceOptions(parent=parent, protect=True, **kwargs)


def assume_role_policy(context: StackContext, service: str, source_account_condition: bool = True) -> str:
    """Trust policy for a role that one AWS service assumes on this account's behalf only: the
    `aws:SourceAccount` condition is AWS's cross-service confused-deputy guard (IAM User Guide,
    "The confused deputy problem"). Pass `source_account_condition=False` only for a service whose docs
    give a trust policy without it (a service that does not send the key could never assume the role)."""
    statement: dict[str, Any] = {"Effect": "Allow", "Principal": {"Service": service}, "Action": "sts:AssumeRole"}
    if source_account_condition:
        statement["Condition"] = {"StringEquals": {"aws:SourceAccount": context.account_id}}
    return json.dumps({"Version": "2012-10-17", "Statement": [statement]})


def key_grant(context: StackContext, alias: str, region: str | None = None,
              condition: dict[str, Any] | None = None) -> dict[str, Any]:
    """``Resource`` and ``Condition`` of an IAM statement on the customer key aliased ``alias/<alias>``, known
    at preview: the account's keys of the region, narrowed by ``kms:ResourceAliases`` (AWS KMS Developer
    Guide, "Use aliases to control access to KMS keys"). A key ARN is unknown until the key exists, and a
    document with an unknown part is unknown as a whole: the pack could not judge it at a real preview
    (issue 17). ``condition`` is merged in (its operators other than ForAnyValue:StringEquals)."""
    region = region or context.region
    return {"Resource": f"arn:{context.partition}:kms:{region}:{context.account_id}:key/*",
            "Condition": {**(condition or {}),
                          "ForAnyValue:StringEquals": {"kms:ResourceAliases": f"alias/{alias}"}}}


def secret_arn_pattern(context: StackContext, name: str) -> str:
    """The ARN of secret ``name`` with its random six-character suffix as ``??????`` (Secrets Manager User
    Guide, "Permissions policy examples"): known at preview, unlike the secret's ARN output."""
    return f"arn:{context.partition}:secretsmanager:{context.region}:{context.account_id}:secret:{name}-??????"


def kms_key_policy(context: StackContext, *statements: dict[str, Any]) -> str:
    """A KMS key policy: the account root may administer the key and delegate use through IAM
    policies (the AWS default key policy, written out so the key never ends up without one --
    checkov CKV2_AWS_64), followed by the service statements the key needs."""
    root = {
        "Sid": "AccountAdministersAndDelegatesThroughIam",
        "Effect": "Allow",
        "Principal": {"AWS": f"arn:{context.partition}:iam::{context.account_id}:root"},
        "Action": "kms:*",
        "Resource": "*",
    }
    return json.dumps({"Version": "2012-10-17", "Statement": [root, *statements]})


def customer_managed_key(
    parent: pulumi.Resource,
    resource_name: str,
    context: StackContext,
    *,
    alias: str,
    alias_resource_name: str,
    description: str,
    role: str,
    statements: tuple[dict[str, Any], ...] = (),
    **opts: Any,
) -> pulumi_aws.kms.Key:
    """A customer-managed KMS key and its alias, the way every component needs one: yearly rotation on
    (checklist "Data at rest encryption verified"; the pack's aws-kms-key-enable-rotation), a 30-day
    deletion window, the account-root key policy plus the service statements the key serves, and
    protection (the data it encrypts is unreadable without it). ``opts`` carries e.g. a provider."""
    key = pulumi_aws.kms.Key(
        resource_name,
        description=description,
        enable_key_rotation=True,
        deletion_window_in_days=30,
        policy=kms_key_policy(context, *statements),
        tags=context.tags(role=role),
        opts=stateful(parent, **opts),
    )
    pulumi_aws.kms.Alias(alias_resource_name, name=f"alias/{alias}", target_key_id=key.key_id,
                         opts=child(parent, **opts))
    return key


Alarm = tuple[str, str]  # (check id of stacks.checklist.ALARM_CHECKS or CANARY_CHECKS, alarm name)


def alarm_names(alarms: list[Alarm]) -> dict[str, list[str]]:
    """The alarm names by check id, in declaration order (a component's `alarms` output)."""
    names: dict[str, list[str]] = {}
    for check_id, name in alarms:
        names.setdefault(check_id, []).append(name)
    return names
