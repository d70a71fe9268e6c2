"""A threshold is one declaration (policies/chatpdd_policies/_threshold.py): the config schema, DEFAULTS, the
guard's direction and the numbers in a policy's prose come from it. This file checks the declaration's
derivations and that no policy string carries a number of its own: a digit in a string (a description, a
message, a fix, a remediation) must be formatted from a declaration or a _checklist constant, unless it is an
AWS or protocol fact listed below with its reason. Quotes of the checklist itself (``checklist_reference``)
and docstrings are prose about the code, not messages, and are not scanned."""

from __future__ import annotations

import ast
import ipaddress
import re
from pathlib import Path

import pytest
from chatpdd_policies import ALL_POLICIES
from chatpdd_policies._threshold import Threshold, declared, defaults, register

from tests.policies.harness import POLICIES_DIR

SOURCES = sorted(p for p in (POLICIES_DIR / "chatpdd_policies").glob("*.py") if p.name != "_checklist.py")
# A number standing alone in prose: not part of a name (s3, IPv4, rsa2048), an enum value (aof-every-1-second),
# a path or a version string (syn-nodejs-puppeteer-9.1).
NUMBER = re.compile(r"(?<![A-Za-z0-9_\-:./\\])\d+(?:\.\d+)?(?![A-Za-z0-9_])")
PRODUCT_NAMES = ("Route 53",)  # names with a number in them
ALWAYS = {"0", "1"}  # zero and one: "0 = not applicable", "rds.force_ssl=1", "at most one"

# Facts of AWS, of a protocol or of arithmetic that a policy may write, per file, each with its reason.
FACTS: dict[str, dict[str, str]] = {
    "_netspace.py": {"2": "address space is counted in powers of two ('about 2^N addresses')"},
    "_util.py": {"1.0": "the compliance framework's version string"},
    "aws_iam_policy_restrict_foreign_principals.py": {"12": "an AWS account ID has 12 digits"},
    "aws_ec2_security_group_disallow_public_postgres_ingress.py": {
        "6": "IP protocol number of TCP, as security group rules carry it",
        "5432": "the PostgreSQL port", "6379": "the Redis port"},
    "aws_rds_instance_enable_enhanced_monitoring.py": {"60": "an example of the intervals RDS accepts"},
    "aws_rds_proxy_configure_connection_pool.py": {"100": "percent (max_connections x percent / 100)"},
    "monitoring_configure_health_checks.py": {"443": "the HTTPS port"},
    "vercel_firewall_configure_api_rate_limit.py": {"60": "seconds in a minute (limit x 60 / window)"},
    "vercel_project_configure_security_headers.py": {
        "63072000": "two years: the HSTS max-age hstspreload.org recommends (the policy's floor is a Threshold)"},
}


def _prose(tree: ast.Module) -> list[str]:
    """The string constants of a module (f-string pieces included), without docstrings and checklist quotes."""
    skipped: set[int] = set()
    for node in ast.walk(tree):
        body = getattr(node, "body", None)
        if (isinstance(node, (ast.Module, ast.FunctionDef, ast.ClassDef)) and body and isinstance(body[0], ast.Expr)
                and isinstance(body[0].value, ast.Constant)):
            skipped.add(id(body[0].value))
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "checklist_reference":
            skipped.update(id(part) for part in ast.walk(node))
    return [node.value for node in ast.walk(tree)
            if isinstance(node, ast.Constant) and isinstance(node.value, str) and id(node) not in skipped]


def _is_network(text: str) -> bool:
    """A CIDR of the IANA special-purpose registries (_net.py's non-public ranges) is an address, not prose."""
    try:
        ipaddress.ip_network(text)
    except ValueError:
        return False
    return True


def numbers_in_prose(source: str) -> list[str]:
    found = []
    for text in _prose(ast.parse(source)):
        if _is_network(text):
            continue
        for name in PRODUCT_NAMES:
            text = text.replace(name, "")
        found += [n for n in NUMBER.findall(text) if n not in ALWAYS]
    return found


@pytest.mark.parametrize("path", SOURCES, ids=lambda p: p.name)
def test_no_number_in_a_policy_string_that_is_not_declared(path: Path) -> None:
    allowed = FACTS.get(path.name, {})
    extra = sorted(set(numbers_in_prose(path.read_text(encoding="utf-8"))) - set(allowed))
    assert extra == [], (f"{path.name} writes {extra} in a string: format the number from its Threshold "
                         f"(.show(), .bound(), fmt(value)) or a _checklist constant, or list an AWS/protocol fact "
                         f"in FACTS with its reason")


def test_every_fact_is_still_used() -> None:
    """An allow-list entry whose number is gone is removed (it would let the number come back unnoticed)."""
    for name, facts in FACTS.items():
        used = set(numbers_in_prose((POLICIES_DIR / "chatpdd_policies" / name).read_text(encoding="utf-8")))
        assert set(facts) <= used, f"{name}: {sorted(set(facts) - used)} no longer appear; drop them from FACTS"


def test_the_scan_finds_a_hand_written_threshold() -> None:
    """What the issue found: the multipart-upload days written into a fix message."""
    source = 'MESSAGE = f"{label} Fix: set abort_incomplete_multipart_upload={{\'days_after_initiation\': 7}}."'
    assert numbers_in_prose(source) == ["7"]
    assert numbers_in_prose('X = f"{RULE.bound(limit)} are allowed, in s3 or IPv4, aof-every-1-second"') == []
    assert numbers_in_prose('"""A docstring about 30 days."""\nREF = checklist_reference("a", "b", "50+")') == []


# -- the declaration's derivations ----------------------------------------------------------------------------
RETENTION = Threshold("minDays", 30, "at-least", "days", "Fewest days.", minimum=1, maximum=35)
CEILING = Threshold("maxMs", 100, "at-most", "ms", "Most milliseconds.", exclusive_minimum=0, kind="number")


def test_schema_type_bounds_default_description() -> None:
    assert RETENTION.schema() == {"type": "integer", "minimum": 1, "maximum": 35, "default": 30,
                                  "description": "Fewest days."}
    assert CEILING.schema() == {"type": "number", "exclusiveMinimum": 0, "default": 100,
                                "description": "Most milliseconds."}


def test_prose_from_the_declaration() -> None:
    assert RETENTION.show() == "30 days" and RETENTION.show(31.0) == "31 days"
    assert RETENTION.bound() == "at least 30 days" and CEILING.bound(50) == "at most 50 ms"
    assert RETENTION.named() == "minDays (30)"


def test_holds_in_the_declared_direction() -> None:
    assert RETENTION.holds(30) and RETENTION.holds(31) and not RETENTION.holds(29)
    assert CEILING.holds(100) and not CEILING.holds(101) and CEILING.holds(120, limit=150)


def test_defaults_and_registration() -> None:
    assert defaults(RETENTION, CEILING, endpoints=["/"]) == {"minDays": 30, "maxMs": 100, "endpoints": ["/"]}
    assert register("test-policy", (RETENTION,)) == {"minDays": RETENTION.schema()}
    assert declared("test-policy") == {"minDays": RETENTION}
    with pytest.raises(ValueError, match="declared twice"):
        register("test-policy", (RETENTION, RETENTION))


def test_the_pack_schema_is_the_declaration() -> None:
    """Every declared threshold is in its policy's config schema exactly as the declaration renders it."""
    checked = 0
    for policy in ALL_POLICIES:
        for key, threshold in declared(policy.name).items():
            assert policy.config_schema is not None
            assert policy.config_schema.properties[key] == threshold.schema(), f"{policy.name}.{key}"
            checked += 1
    assert checked >= 22
