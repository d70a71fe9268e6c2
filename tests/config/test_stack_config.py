"""Stack config: the committed stacks validate; each kind of bad config is rejected with a clear message."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import pulumi
import pytest
import yaml

from gate.program.program import run_program
from stacks import schema
from stacks.loader import StackConfigError, find_stack_file, load_stack_file
from stacks.models import StackConfig

STACK_FILES = sorted(Path(__file__).resolve().parents[2].glob("Pulumi.*.yaml"))


def test_committed_schema_is_not_stale():
    assert schema.SCHEMA_PATH.read_text(encoding="utf-8") == schema.render(), (
        "stacks/stack-config.schema.json is stale: run `python -m stacks.schema` and commit it"
    )


@pytest.mark.parametrize("path", STACK_FILES, ids=lambda p: p.name)
def test_every_stack_file_validates_against_the_committed_schema(path):
    document = yaml.safe_load(path.read_text(encoding="utf-8"))
    jsonschema.Draft202012Validator(json.loads(schema.SCHEMA_PATH.read_text())).validate(document)


@pytest.mark.parametrize("path", STACK_FILES, ids=lambda p: p.name)
def test_every_stack_file_loads_into_the_model(path):
    loaded = load_stack_file(path)
    assert isinstance(loaded.config, StackConfig)
    # Each secret became an opaque placeholder; nothing of the ciphertext reaches the program.
    text = path.read_text(encoding="utf-8")
    ciphertexts = [line.split("secure:", 1)[1].strip() for line in text.splitlines() if "secure:" in line]
    assert ciphertexts, "the committed stacks carry secure: values"
    flat = json.dumps(loaded.pulumi_config)
    assert not [c for c in ciphertexts if c in flat]
    assert "offline-secret-" in flat


def test_there_are_production_and_staging_stacks():
    assert {p.name for p in STACK_FILES} >= {"Pulumi.production.yaml", "Pulumi.staging.yaml"}


def test_staging_is_smaller_than_production(loaded_stacks):
    prod, stag = loaded_stacks["production"].config, loaded_stacks["staging"].config
    assert stag.database.read_replicas < prod.database.read_replicas
    assert stag.cache.memory_limit_gb < prod.cache.memory_limit_gb
    assert stag.database.allocated_storage_gb < prod.database.allocated_storage_gb


def test_config_objects_are_frozen(loaded_stacks):
    with pytest.raises(Exception, match="frozen"):
        loaded_stacks["production"].config.database.read_replicas = 0  # type: ignore[misc]


def test_secrets_never_print(loaded_stacks):
    config = loaded_stacks["production"].config
    rendered = repr(config) + str(config) + config.model_dump_json()
    assert "offline-secret-" not in rendered
    assert "**********" in rendered


# --- bad config: one message, every problem, file + key path + value + expectation -------------------

def _write(tmp_path: Path, text: str, name: str = "Pulumi.broken.yaml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def _production_text(repo_root: Path) -> str:
    return (repo_root / "Pulumi.production.yaml").read_text(encoding="utf-8")


def _error(path: Path) -> StackConfigError:
    with pytest.raises(StackConfigError) as info:
        load_stack_file(path)
    return info.value


def test_malformed_yaml_names_the_file_and_line(tmp_path):
    err = _error(_write(tmp_path, "config:\n  chatpdd-infra:owner: [unclosed\n"))
    assert str(err).startswith("Invalid stack config in Pulumi.broken.yaml (1 problem):")
    assert "line 3, column 1: not valid YAML" in str(err)


def test_unknown_key_is_rejected(repo_root, tmp_path):
    text = _production_text(repo_root).replace("    read_replicas: 1\n", "    read_replicas: 1\n    read_replica: 2\n")
    err = _error(_write(tmp_path, text))
    assert err.problems == ["chatpdd-infra:database.read_replica: unknown key "
                            "(not part of the stack config model; check the spelling)"]


def test_keys_outside_the_namespace_are_rejected(repo_root, tmp_path):
    text = _production_text(repo_root).replace("config:\n", "config:\n  aws:region: eu-west-1\n", 1)
    err = _error(_write(tmp_path, text))
    assert err.problems == [
        "aws:region: unknown key (config keys live under 'chatpdd-infra:'; providers are configured through "
        "chatpdd-infra:aws, chatpdd-infra:app and chatpdd-infra:cache)"
    ]


def test_values_below_the_checklist_are_rejected_with_value_and_expectation(repo_root, tmp_path):
    text = (_production_text(repo_root)
            .replace("    backup_retention_days: 30\n    read_replicas", "    backup_retention_days: 7\n    read_replicas")
            .replace("session_timeout_hours: 12", "session_timeout_hours: 48"))
    err = _error(_write(tmp_path, text))
    assert err.problems == [
        "chatpdd-infra:database.backup_retention_days = 7: Input should be greater than or equal to 30",
        "chatpdd-infra:app.session_timeout_hours = 48: Input should be less than or equal to 24",
    ]


def test_an_open_network_is_rejected(repo_root, tmp_path):
    text = _production_text(repo_root).replace("app_ingress_cidrs: [10.60.0.0/20]", "app_ingress_cidrs: [0.0.0.0/0]")
    err = _error(_write(tmp_path, text))
    assert err.problems == [
        "chatpdd-infra:network.app_ingress_cidrs[0] = '0.0.0.0/0': Value error, "
        "the whole internet (0.0.0.0/0 or ::/0) is never an allowed network"
    ]


def test_a_pool_below_fifty_connections_is_rejected(repo_root, tmp_path):
    text = _production_text(repo_root).replace("proxy_max_connections_percent: 50", "proxy_max_connections_percent: 5")
    err = _error(_write(tmp_path, text))
    assert len(err.problems) == 1
    assert err.problems[0].startswith("chatpdd-infra:database = ")
    assert "the RDS Proxy pool is max_connections x proxy_max_connections_percent / 100 = 40 connections; " \
           "the checklist asks for at least 50" in err.problems[0]


def test_a_plaintext_secret_is_rejected_and_not_echoed(repo_root, tmp_path):
    text = _production_text(repo_root)
    start = text.index("      password:\n        secure: ")
    end = text.index("\n", start + len("      password:\n"))
    text = text[:start] + "      password: hunter2-plaintext" + text[end:]
    err = _error(_write(tmp_path, text))
    assert err.problems == [
        "chatpdd-infra:app.smtp.password: must be a secret "
        "(`pulumi config set --secret --path 'app.smtp.password' <value>`), not plaintext"
    ]
    assert "hunter2" not in str(err)


def test_a_missing_secret_is_named_as_a_secret(repo_root, tmp_path):
    text = _production_text(repo_root)
    start = text.index("    error_tracking_dsn:\n")
    end = text.index("    external_api_keys:")
    err = _error(_write(tmp_path, text[:start] + text[end:]))
    assert err.problems == ["chatpdd-infra:app.error_tracking_dsn: missing (expected a secret: pulumi config set --secret)"]


def test_every_problem_is_listed_at_once(repo_root, tmp_path):
    text = (_production_text(repo_root)
            .replace("session_timeout_hours: 12", "session_timeout_hours: 2")
            .replace("persistence: aof-every-1-second", "persistence: none")
            .replace("owner: platform-team", "owner: x"))
    err = _error(_write(tmp_path, text))
    assert str(err).startswith("Invalid stack config in Pulumi.broken.yaml (3 problems):")
    assert [p.split(" = ")[0] for p in err.problems] == [
        "chatpdd-infra:owner", "chatpdd-infra:cache.persistence", "chatpdd-infra:app.session_timeout_hours",
    ]


def test_a_file_without_config_is_rejected(tmp_path):
    err = _error(_write(tmp_path, "encryptionsalt: abc\n"))
    assert err.problems == ["expected a mapping with a 'config:' section"]


def test_unknown_stack_lists_the_known_ones(repo_root):
    with pytest.raises(StackConfigError) as info:
        find_stack_file(repo_root, "prod")
    assert info.value.problems == ["no such stack 'prod' (known stacks: production, staging)"]


def test_key_lines_point_into_the_file(loaded_stacks):
    loaded = loaded_stacks["production"]
    lines = loaded.path.read_text().splitlines()
    line = loaded.key_lines["chatpdd-infra:database.backup_retention_days"]
    assert lines[line - 1].strip() == "backup_retention_days: 30"


# --- the program itself refuses bad config before registering anything -------------------------------

def test_program_stops_with_run_error_before_any_resource(loaded_stacks):
    good = loaded_stacks["production"]
    broken = dict(good.pulumi_config)
    database = json.loads(broken["chatpdd-infra:database"])
    database["backup_retention_days"] = 3
    broken["chatpdd-infra:database"] = json.dumps(database)
    loaded = type(good)(name=good.name, path=good.path, config=good.config, pulumi_config=broken,
                        secret_keys=good.secret_keys)
    captured = []
    with pytest.raises(pulumi.RunError) as info:
        captured.append(run_program(loaded))
    assert str(info.value) == (
        "Invalid stack config in Pulumi.production.yaml (1 problem):\n"
        "  - chatpdd-infra:database.backup_retention_days = 3: Input should be greater than or equal to 30"
    )
    assert captured == []


def test_program_refuses_a_secret_set_without_secret_flag(loaded_stacks):
    good = loaded_stacks["production"]
    # As if `pulumi config set --path app.smtp.password ...` had been run without --secret.
    loaded = type(good)(name=good.name, path=good.path, config=good.config, pulumi_config=dict(good.pulumi_config),
                        secret_keys=tuple(k for k in good.secret_keys if k != "chatpdd-infra:app"))
    with pytest.raises(pulumi.RunError) as info:
        run_program(loaded)
    message = str(info.value)
    assert message.startswith("Invalid stack config in Pulumi.production.yaml (")
    assert "chatpdd-infra:app.smtp.password: must be a secret" in message
    assert "offline-secret-" not in message


def test_config_reference_doc_is_generated_from_the_models():
    from stacks import reference

    assert reference.REFERENCE_PATH.read_text(encoding="utf-8") == reference.render(), (
        "docs/config-reference.md is stale: run `python -m stacks.reference` and commit it"
    )


# --- storage: access logs and the disaster-recovery region ---------------------------------------------

def test_a_dr_region_equal_to_the_stacks_region_is_rejected(repo_root, tmp_path):
    text = _production_text(repo_root).replace("    dr_region: us-west-2\n", "    dr_region: us-east-1\n")
    err = _error(_write(tmp_path, text))
    assert err.problems == [
        "chatpdd-infra:storage.dr_region = 'us-east-1': must differ from aws.region (us-east-1): the "
        "disaster-recovery replica of the backups must survive an outage of the stack's region"
    ]


def test_the_dr_region_defaults_to_us_west_2(loaded_stacks):
    assert loaded_stacks["staging"].config.storage.dr_region == "us-west-2"


def test_the_access_logs_bucket_is_required_and_kept_at_least_90_days(repo_root, tmp_path):
    text = (_production_text(repo_root)
            .replace("    access_logs_bucket_name: chatpdd-production-access-logs-111122223333\n", "")
            .replace("access_log_retention_days: 365", "access_log_retention_days: 30"))
    err = _error(_write(tmp_path, text))
    assert err.problems == [
        "chatpdd-infra:storage.access_logs_bucket_name: missing (expected a value)",
        "chatpdd-infra:storage.access_log_retention_days = 30: Input should be greater than or equal to 90",
    ]


def test_bucket_names_must_differ_and_leave_room_for_the_replica_suffix(repo_root, tmp_path):
    same = _production_text(repo_root).replace(
        "access_logs_bucket_name: chatpdd-production-access-logs-111122223333",
        "access_logs_bucket_name: chatpdd-production-uploads-111122223333")
    (problem,) = _error(_write(tmp_path, same)).problems
    assert problem.startswith("chatpdd-infra:storage = ")
    assert problem.endswith("must be five different buckets")
    long_name = "b" * 62
    too_long = _production_text(repo_root).replace(
        "backups_bucket_name: chatpdd-production-backups-111122223333", f"backups_bucket_name: {long_name}")
    (problem,) = _error(_write(tmp_path, too_long)).problems
    assert "must leave room for the '-dr' suffix of its disaster-recovery replica" in problem


def test_under_the_real_cli_no_value_of_a_secret_key_is_quoted(repo_root, monkeypatch):
    """Under ``pulumi up`` secrets arrive decrypted and only whole top-level keys are marked secret: a
    decrypted value in the wrong place (``app.domain: {secure: ...}``) must not be quoted in the error."""
    import json as _json

    import pulumi
    from pulumi.runtime import config as runtime_config
    from pulumi.runtime import settings

    from stacks import runtime

    decrypted = "CANARY-decrypted-secret-value"
    config = dict(load_stack_file(repo_root / "Pulumi.production.yaml").pulumi_config)
    app = _json.loads(config["chatpdd-infra:app"])
    app["domain"] = decrypted
    config["chatpdd-infra:app"] = _json.dumps(app)
    monkeypatch.delenv("PULUMI_CONFIG", raising=False)
    monkeypatch.delenv("PULUMI_CONFIG_SECRET_KEYS", raising=False)
    settings.reset_options(project="chatpdd-infra", stack="production")
    runtime_config.set_all_config(config, ["chatpdd-infra:app", "chatpdd-infra:cache"])
    try:
        with pytest.raises(pulumi.RunError) as info:
            runtime.load()
    finally:
        runtime_config.set_all_config({}, [])
    assert "chatpdd-infra:app.domain = [secret]: String should match pattern" in str(info.value)
    assert decrypted not in str(info.value)


def test_a_validator_message_never_quotes_a_decrypted_value(repo_root, monkeypatch):
    """ipaddress's own message quotes the value ('x' does not appear to be an IPv4 or IPv6 network)."""
    import json as _json

    import pulumi
    from pulumi.runtime import config as runtime_config
    from pulumi.runtime import settings

    from stacks import runtime

    decrypted = "CANARY-decrypted-cidr"
    config = dict(load_stack_file(repo_root / "Pulumi.production.yaml").pulumi_config)
    network = _json.loads(config["chatpdd-infra:network"])
    network["app_ingress_cidrs"] = [decrypted]
    config["chatpdd-infra:network"] = _json.dumps(network)
    monkeypatch.delenv("PULUMI_CONFIG", raising=False)
    monkeypatch.delenv("PULUMI_CONFIG_SECRET_KEYS", raising=False)
    settings.reset_options(project="chatpdd-infra", stack="production")
    runtime_config.set_all_config(config, ["chatpdd-infra:network", "chatpdd-infra:app", "chatpdd-infra:cache"])
    try:
        with pytest.raises(pulumi.RunError) as info:
            runtime.load()
    finally:
        runtime_config.set_all_config({}, [])
    assert "chatpdd-infra:network.app_ingress_cidrs[0] = [secret]: " in str(info.value)
    assert decrypted not in str(info.value)


@pytest.mark.parametrize("old, new, key", [
    ("app_ingress_cidrs: [10.60.0.0/20]", "app_ingress_cidrs: [0.0.0.0/1, 128.0.0.0/1]", "network.app_ingress_cidrs"),
    ("source_ips: [203.0.113.10/32, 203.0.113.11/32]", "source_ips: [203.0.113.10/32, 8.0.0.0/7]", "cache.source_ips"),
])
def test_an_allowlist_that_opens_the_internet_in_pieces_is_rejected(repo_root, tmp_path, old, new, key):
    """No single /0, still (almost) the whole internet: the union of the entries is judged (stacks/netspace.py)."""
    err = _error(_write(tmp_path, _production_text(repo_root).replace(old, new)))
    assert len(err.problems) == 1
    assert err.problems[0].startswith(f"chatpdd-infra:{key} = ")
    assert "public IPv4 addresses, more than one /24 of the internet (private ranges do not count)" in err.problems[0]


def test_a_new_slash_32_and_a_private_network_are_accepted(repo_root, tmp_path):
    text = (_production_text(repo_root)
            .replace("source_ips: [203.0.113.10/32, 203.0.113.11/32]", "source_ips: [203.0.113.10/32, 203.0.113.11/32, "
                     "8.8.4.4/32]")
            .replace("app_ingress_cidrs: [10.60.0.0/20]", "app_ingress_cidrs: [10.60.0.0/20, 172.16.0.0/12]"))
    assert load_stack_file(_write(tmp_path, text)).config.cache.source_ips[-1] == "8.8.4.4/32"


@pytest.mark.parametrize("source", ["'https://x.example.com; script-src *'", "https://*.example.com", "https:",
                                    "'*'", "http://api.example.com", "\"'unsafe-inline'\""])
def test_a_csp_source_that_would_weaken_the_header_is_rejected(repo_root, tmp_path, source):
    """Whatever the config can inject into the CSP is a plain secure host: no wildcard, bare scheme, keyword or
    a `;` that would start a new directive."""
    text = _production_text(repo_root).replace('    cors_origins: ["https://app.chatpdd.com"]\n',
                                               f'    cors_origins: ["https://app.chatpdd.com"]\n'
                                               f'    extra_csp_connect_src: [{source}]\n')
    err = _error(_write(tmp_path, text))
    assert len(err.problems) == 1 and err.problems[0].startswith("chatpdd-infra:app.extra_csp_connect_src[0] = ")


def test_a_specific_csp_host_and_a_second_cors_origin_are_accepted(repo_root, tmp_path):
    text = _production_text(repo_root).replace(
        '    cors_origins: ["https://app.chatpdd.com"]\n',
        '    cors_origins: ["https://app.chatpdd.com", "https://admin.chatpdd.com"]\n'
        '    extra_csp_connect_src: ["https://api.openai.com", "wss://realtime.chatpdd.com/socket"]\n')
    app = load_stack_file(_write(tmp_path, text)).config.app
    assert app.extra_csp_connect_src == ["https://api.openai.com", "wss://realtime.chatpdd.com/socket"]


@pytest.mark.parametrize("old, new, key", [
    ("    rate_limit:\n      requests: 100\n      window_seconds: 60\n",
     "    rate_limit:\n      requests: 600\n      window_seconds: 30\n", "app.rate_limit"),
    ("    object_lock_days: 30\n", "    object_lock_days: 1\n", "storage.object_lock_days"),
])
def test_controls_that_would_not_cover_are_rejected(repo_root, tmp_path, old, new, key):
    err = _error(_write(tmp_path, _production_text(repo_root).replace(old, new)))
    assert len(err.problems) == 1 and err.problems[0].startswith(f"chatpdd-infra:{key} = "), err.problems


def test_a_tighter_rate_limit_is_accepted(repo_root, tmp_path):
    text = _production_text(repo_root).replace("      requests: 100\n", "      requests: 50\n")
    assert load_stack_file(_write(tmp_path, text)).config.app.rate_limit.requests == 50


def test_the_chat_webhook_is_a_required_secret_and_canaries_run_at_least_hourly(repo_root, tmp_path):
    """Issue 20: alerts reach a chat channel (its URL carries a token: a `secure:` value), the canary interval is
    bounded (the pack narrows it to the checklist's 5 minutes in production)."""
    text = _production_text(repo_root)
    start = text.index("    chat_webhook_url:\n")
    end = text.index("\n", text.index("secure:", start)) + 1
    plain = text[:start] + "    chat_webhook_url: https://hooks.example.com/T000/B000/XXXX\n" + text[end:]
    (problem,) = _error(_write(tmp_path, plain)).problems
    assert problem.startswith("chatpdd-infra:monitoring.chat_webhook_url")
    assert "hooks.example.com" not in problem and "XXXX" not in problem  # a secret is never echoed
    missing = text[:start] + text[end:]
    assert _error(_write(tmp_path, missing)).problems == [
        "chatpdd-infra:monitoring.chat_webhook_url: missing (expected a secret: pulumi config set --secret)"]
    hourly = text.replace("    canary_interval_minutes: 5\n", "    canary_interval_minutes: 61\n")
    assert _error(_write(tmp_path, hourly)).problems == [
        "chatpdd-infra:monitoring.canary_interval_minutes = 61: Input should be less than or equal to 60"]
