"""Small pure pieces: the Terraform naming rules and the redactor."""

from __future__ import annotations

import pytest

from gate.common.redact import REDACTED, Redactor
from gate.export.terraform_types import attribute_name, is_map, singular, snake
from gate.program.program import SECRET_SIG


@pytest.mark.parametrize("pulumi, terraform", [
    ("storageEncrypted", "storage_encrypted"), ("cidrIpv4", "cidr_ipv4"), ("multiAz", "multi_az"),
    ("kmsMasterKeyId", "kms_master_key_id"), ("iamDatabaseAuthenticationEnabled", "iam_database_authentication_enabled")])
def test_snake(pulumi, terraform):
    assert snake(pulumi) == terraform


@pytest.mark.parametrize("plural, one", [("rules", "rule"), ("corsRules", "corsRule"), ("metricQueries", "metricQuery"),
                                         ("auths", "auth"), ("ingress", "ingress"), ("addresses", "address")])
def test_singular(plural, one):
    assert singular(plural) == one


def test_attribute_names():
    assert attribute_name("aws_s3_bucket_cors_configuration", "corsRules", [{"allowedOrigins": []}]) == "cors_rule"
    assert attribute_name("aws_db_instance", "enabledCloudwatchLogsExports", ["postgresql"]) == \
        "enabled_cloudwatch_logs_exports"
    assert attribute_name("aws_cloudwatch_metric_alarm", "name", "x") == "alarm_name"
    assert is_map("tags", {"service": "x"}) and is_map("anything", {"DBInstanceIdentifier": "db"})
    assert not is_map("versioningConfiguration", {"status": "Enabled"})


def test_redactor_structural_and_textual():
    secret = {SECRET_SIG: "1b47061264138c4ac30d75fd1eb44270", "value": "hunter2-hunter2"}
    redactor = Redactor(["hunter2-hunter2", "587"])
    assert redactor.value({"a": secret, "b": ["x", secret]}) == {"a": REDACTED, "b": ["x", REDACTED]}
    assert redactor.envelope({"a": secret}) == {"a": {SECRET_SIG: "1b47061264138c4ac30d75fd1eb44270",
                                                      "ciphertext": REDACTED}}
    assert redactor.text("url postgresql://u:hunter2-hunter2@h") == f"url postgresql://u:{REDACTED}@h"
    assert redactor.text('json "hunter2-hunter2"') == f'json "{REDACTED}"'
    assert redactor.text("port 5870") == "port 5870" and redactor.text("587") == REDACTED  # short: whole only
    assert redactor.text("x offline-generated-" + "a" * 24 + " y") == f"x {REDACTED} y"
    assert redactor.text("offline-secret-" + "0" * 16) == REDACTED
