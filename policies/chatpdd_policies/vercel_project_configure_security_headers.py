"""vercel-project-configure-security-headers (stack): an enabled ``vercel:index/projectRoute`` whose
``route.src`` matches every path (``/(.*)`` and equivalents, no ``has``/``missings`` conditions) sets
these response headers in ``route.headers`` (names case-insensitive; with several such routes the first
registered value of a header counts). One message per missing or weak header:

- ``Strict-Transport-Security``: ``max-age`` >= ``minHstsMaxAgeSeconds`` (one year) and ``includeSubDomains``;
- ``Content-Security-Policy``: no ``'unsafe-inline'`` / ``'unsafe-eval'`` in ``script-src`` (or in
  ``default-src`` when ``script-src`` is absent; neither = scripts unrestricted) and a ``frame-ancestors``;
- ``X-Content-Type-Options: nosniff``; ``X-Frame-Options: DENY`` or ``SAMEORIGIN``;
- ``Referrer-Policy`` (not ``unsafe-url``); ``Permissions-Policy`` (non-empty)."""

from collections.abc import Callable

from pulumi_policy import ReportViolation, Severity, StackValidationArgs

from chatpdd_policies._checklist import MIN_HSTS_MAX_AGE_SECONDS
from chatpdd_policies._util import (
    MISSING,
    UNKNOWN,
    checklist_reference,
    config_value,
    fmt,
    is_set,
    label,
    lookup,
    resources_of_type,
    stack_policy,
    unknown_message,
)
from chatpdd_policies._vercel import ROUTE, project_subject

DEFAULTS = {"minHstsMaxAgeSeconds": MIN_HSTS_MAX_AGE_SECONDS}
CATCH_ALL = {"/(.*)", "/.*", "(.*)", ".*", "^/(.*)$", "^/.*$", "^.*$", "/(.*)?", "/:path*", "/:path(.*)"}
RULE = "the security headers"


def _directives(csp: str) -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    for part in csp.split(";"):
        words = part.split()
        if words:
            found.setdefault(words[0].lower(), [w.lower() for w in words[1:]])
    return found


def _hsts(value: str, minimum) -> str:
    parts = [p.strip().lower() for p in value.split(";")]
    ages = [p.split("=", 1)[1].strip().strip('"') for p in parts if p.startswith("max-age=")]
    problems = []
    if not ages or not ages[0].isdigit() or int(ages[0]) < minimum:
        problems.append(f"max-age below {fmt(minimum)}")
    if "includesubdomains" not in parts:
        problems.append("no includeSubDomains")
    return ", ".join(problems)


def _csp(value: str, _minimum) -> str:
    directives = _directives(value)
    name = "script-src" if "script-src" in directives else "default-src"
    problems = []
    if name not in directives:
        problems.append("no script-src or default-src")
    problems += [f"{source} in {name}" for source in ("'unsafe-inline'", "'unsafe-eval'")
                 if source in directives.get(name, [])]
    if "frame-ancestors" not in directives:
        problems.append("no frame-ancestors")
    return ", ".join(problems)


def _one_of(*allowed: str) -> Callable[[str, object], str]:
    def check(value: str, _minimum) -> str:
        return "" if value.strip().lower() in allowed else f"'{value}'"
    return check


def _referrer(value: str, _minimum) -> str:
    tokens = [t.strip().lower() for t in value.split(",") if t.strip()]
    return "unsafe-url" if "unsafe-url" in tokens else ("empty" if not tokens else "")


def _permissions(value: str, _minimum) -> str:
    return "" if value.strip() else "empty"


# header -> (check returning the weakness or "", fix)
HEADERS: dict[str, tuple[Callable[[str, object], str], str]] = {
    "Strict-Transport-Security": (_hsts, "set it to 'max-age=63072000; includeSubDomains; preload'"),
    "Content-Security-Policy": (_csp, "allow scripts from named sources only (no 'unsafe-inline' or 'unsafe-eval' "
                                      "in script-src) and set frame-ancestors 'none'"),
    "X-Content-Type-Options": (_one_of("nosniff"), "set it to 'nosniff'"),
    "X-Frame-Options": (_one_of("deny", "sameorigin"), "set it to 'DENY'"),
    "Referrer-Policy": (_referrer, "set it to 'strict-origin-when-cross-origin'"),
    "Permissions-Policy": (_permissions, "deny the browser features the app does not use, e.g. 'camera=(), "
                                         "microphone=(), geolocation=()'"),
}


def _catch_all_routes(args: StackValidationArgs, report_violation: ReportViolation) -> list | None:
    """The enabled routes for every path; None after failing closed on an unknown route setting."""
    found = []
    for route in resources_of_type(args, ROUTE):
        for prop, value in (("enabled", lookup(route.props, "enabled")), ("route.src", lookup(route.props, "route", "src")),
                            ("route.has", lookup(route.props, "route", "has")),
                            ("route.missings", lookup(route.props, "route", "missings"))):
            if value is UNKNOWN:
                report_violation(unknown_message(label(route), prop, RULE), route.urn)
                return None
        if (lookup(route.props, "enabled") is not False and lookup(route.props, "route", "src") in CATCH_ALL
                and not is_set(lookup(route.props, "route", "has"))
                and not is_set(lookup(route.props, "route", "missings"))):
            found.append(route)
    return found


def _headers(routes: list, report_violation: ReportViolation) -> dict[str, tuple] | None:
    """Lower-cased header name -> (value, route) over ``routes``; None after failing closed."""
    merged: dict[str, tuple] = {}
    for route in routes:
        headers = lookup(route.props, "route", "headers")
        if headers is UNKNOWN:
            report_violation(unknown_message(label(route), "route.headers", RULE), route.urn)
            return None
        for name in [] if headers is MISSING else list(headers):
            merged.setdefault(str(name).lower(), (lookup(headers, name), route))
    return merged


def _validate(args: StackValidationArgs, report_violation: ReportViolation) -> None:
    routes = _catch_all_routes(args, report_violation)
    if routes is None:
        return
    if not routes:
        subject, subject_urn = project_subject(args)
        report_violation(f"{subject} has no enabled Vercel route for every path (src '/(.*)'), so no security headers "
                         f"are set. Fix: add a vercel.ProjectRoute with route={{'src': '/(.*)', 'headers': "
                         f"{{...}}}} carrying {', '.join(HEADERS)}.", subject_urn)
        return
    merged = _headers(routes, report_violation)
    if merged is None:
        return
    minimum = config_value(args, "minHstsMaxAgeSeconds", DEFAULTS["minHstsMaxAgeSeconds"])
    for header, (check, fix) in HEADERS.items():
        value, route = merged.get(header.lower(), (MISSING, routes[0]))
        if value is UNKNOWN:
            report_violation(unknown_message(label(route), f"route.headers.{header}", RULE), route.urn)
        elif value is MISSING:
            report_violation(f"{label(route)} does not set {header}. Fix: {fix}.", route.urn)
        else:
            weakness = check(str(value), minimum)
            if weakness:
                report_violation(f"{label(route)} sets a weak {header} ({weakness}). Fix: {fix}.", route.urn)


POLICY = stack_policy(
    name="vercel-project-configure-security-headers",
    description="A Vercel route for every path must set HSTS, a strict CSP, X-Content-Type-Options, X-Frame-Options, "
                "Referrer-Policy and Permissions-Policy.",
    validate=_validate,
    severity=Severity.HIGH,
    remediation_steps="Add (or fix) the vercel.ProjectRoute with route.src '/(.*)' whose route.headers carry the "
                      "security headers; see components/vercel_app.py security_headers().",
    reference=checklist_reference("Pre-Deployment Preparation", "Infrastructure Security",
                                  "Security headers configured in Vercel"),
    tags=["vercel", "headers", "security"],
    config_schema={"minHstsMaxAgeSeconds": {"type": "integer", "minimum": 0,
                                            "default": DEFAULTS["minHstsMaxAgeSeconds"],
                                            "description": "Shortest allowed HSTS max-age in seconds."}},
)
