"""Inputs whose change makes the provider replace a resource (Pulumi type token -> top-level input
property names, wire/camelCase form).

The change review and the engine tests' fake providers read the same table, so a replacement the review
warns about is the replacement the (fake) engine plans. Entries come from the providers' schemas
(``forceNew`` in the Terraform bridge); this minimal table lists the stateful resources the engine tests
edit.
"""

from __future__ import annotations

REPLACE_ON_CHANGE: dict[str, tuple[str, ...]] = {
    "aws:rds/instance:Instance": ("identifier", "engine", "kmsKeyId", "storageEncrypted", "availabilityZone",
                                  "snapshotIdentifier", "replicateSourceDb"),
    "aws:s3/bucket:Bucket": ("bucket", "objectLockEnabled"),
    "aws:kms/key:Key": ("customerMasterKeySpec", "keyUsage"),
}
