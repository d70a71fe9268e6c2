"""What every component shares: the stack's naming and tagging, and child resource options."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pulumi

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
        return f"chatpdd-{self.stack}"

    def name(self, role: str) -> str:
        return f"{self.prefix}-{role}"

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
