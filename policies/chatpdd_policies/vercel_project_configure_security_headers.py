"""vercel-project-configure-security-headers (stack): an enabled ``vercel:index/projectRoute`` whose
``route.src`` matches every path (``/(.*)`` and equivalents, no ``has``/``missings`` conditions) sets
these response headers in ``route.headers`` (names case-insensitive; with several such routes the first
registered value of a header counts). One message per missing or weak header, judged by what a browser
would do with the value:

- ``Strict-Transport-Security``: ``max-age`` >= ``minHstsMaxAgeSeconds`` (one year) and ``includeSubDomains``,
  no directive twice (RFC 6797 6.1: a browser then ignores the whole header);
- ``Content-Security-Policy``: the evaluator of ``_csp.py`` (MDN HTTP Observatory / Google CSP Evaluator rules:
  no ``*``, no bare scheme or wildcard host for scripts, connections and frames, no unsafe script keywords in
  the script directives or ``default-src``, ``object-src 'none'``, ``base-uri 'self'``, ``frame-ancestors``);
- ``X-Content-Type-Options: nosniff``; ``X-Frame-Options: DENY`` or ``SAMEORIGIN``;
- ``Referrer-Policy``: the browser's pick (the last token it knows) is not ``unsafe-url`` or
  ``no-referrer-when-downgrade``; ``Permissions-Policy`` denying ``PERMISSIONS_POLICY_DENIED`` (``camera=()``...);
- ``Cross-Origin-Opener-Policy``: ``same-origin`` (or ``same-origin-allow-popups``);
  ``Cross-Origin-Resource-Policy``: ``same-origin`` or ``same-site``.

Every other enabled route (any ``src``) that sets one of these headers must set it no weaker: a route for
``/api/(.*)`` with ``Content-Security-Policy: default-src *`` would override the catch-all on those paths. A
``response.headers`` transform that touches one of them is refused (its effect cannot be judged here)."""

from collections.abc import Callable
from typing import Any

from pulumi_policy import PolicyResource, Severity, StackValidationArgs

from chatpdd_policies._checklist import MIN_HSTS_MAX_AGE_SECONDS, PERMISSIONS_POLICY_DENIED
from chatpdd_policies._csp import weaknesses as csp_weaknesses
from chatpdd_policies._threshold import Number, Threshold, defaults
from chatpdd_policies._util import (
    MISSING,
    UNKNOWN,
    Report,
    checklist_reference,
    fmt,
    is_set,
    label,
    lookup,
    lookup_list,
    resources_of_type,
    stack_policy,
    unknown_message,
)
from chatpdd_policies._vercel import ROUTE, project_subject

HSTS_MAX_AGE = Threshold("minHstsMaxAgeSeconds", MIN_HSTS_MAX_AGE_SECONDS, "at-least", "s",
                         "Shortest allowed HSTS max-age in seconds.", minimum=0)
DEFAULTS = defaults(HSTS_MAX_AGE)
CATCH_ALL = {"/(.*)", "/.*", "(.*)", ".*", "^/(.*)$", "^/.*$", "^.*$", "/(.*)?", "/:path*", "/:path(.*)"}
RULE = "the security headers"


def _hsts(value: str, minimum: Number) -> str:
    parts = [p.strip().lower() for p in value.split(";") if p.strip()]
    names = [p.split("=", 1)[0].strip() for p in parts]
    if len(names) != len(set(names)):
        return "a directive appears twice, so browsers ignore the header"
    ages = [p.split("=", 1)[1].strip().strip('"') for p in parts if p.startswith("max-age=")]
    problems = []
    if not ages or not ages[0].isdigit() or int(ages[0]) < minimum:
        problems.append(f"max-age below {fmt(minimum)}")
    if "includesubdomains" not in parts:
        problems.append("no includeSubDomains")
    return ", ".join(problems)


def _csp(value: str, _minimum: Number) -> str:
    return ", ".join(csp_weaknesses(value))


def _one_of(*allowed: str) -> Callable[[str, Number], str]:
    def check(value: str, _minimum: Number) -> str:
        return "" if value.strip().lower() in allowed else f"'{value}'"
    return check


REFERRER_POLICIES = ("no-referrer", "no-referrer-when-downgrade", "same-origin", "origin", "strict-origin",
                     "origin-when-cross-origin", "strict-origin-when-cross-origin", "unsafe-url")
LEAKY_REFERRER = ("unsafe-url", "no-referrer-when-downgrade")  # full URL to other origins (MDN Observatory)


def _referrer(value: str, _minimum: Number) -> str:
    # A browser uses the last token it knows (Referrer Policy spec, "parse a referrer policy from a header").
    known = [t.strip().lower() for t in value.split(",") if t.strip().lower() in REFERRER_POLICIES]
    if not known:
        return "no known policy"
    return known[-1] if known[-1] in LEAKY_REFERRER else ""


def _permissions(value: str, _minimum: Number) -> str:
    """The required features (PERMISSIONS_POLICY_DENIED) each denied, ``feature=()``; the last entry of a
    repeated feature counts (a Structured Fields dictionary)."""
    allowlists: dict[str, str] = {}
    for entry in value.split(","):
        feature, _, allowlist = entry.partition("=")
        if feature.strip():
            allowlists[feature.strip().lower()] = allowlist.strip()
    open_ = [f for f in PERMISSIONS_POLICY_DENIED if allowlists.get(f) != "()"]
    return f"does not deny {', '.join(open_)}" if open_ else ""


# header -> (check returning the weakness or "", fix)
HEADERS: dict[str, tuple[Callable[[str, Number], str], str]] = {
    "Strict-Transport-Security": (_hsts, "set it to 'max-age=63072000; includeSubDomains; preload'"),
    "Content-Security-Policy": (_csp, "name every allowed source (no *, bare schemes or wildcard hosts; no "
                                      "'unsafe-inline' or 'unsafe-eval' for scripts or in default-src; no script "
                                      "host that serves third-party or user content, no fixed nonce) and set "
                                      "object-src 'none', base-uri 'self', frame-ancestors 'none' and "
                                      "form-action 'self'"),
    "X-Content-Type-Options": (_one_of("nosniff"), "set it to 'nosniff'"),
    "X-Frame-Options": (_one_of("deny", "sameorigin"), "set it to 'DENY'"),
    "Referrer-Policy": (_referrer, "set it to 'strict-origin-when-cross-origin'"),
    "Permissions-Policy": (_permissions, "deny the browser features the app does not use, at least "
                                         + ", ".join(f"'{f}=()'" for f in PERMISSIONS_POLICY_DENIED)),
    "Cross-Origin-Opener-Policy": (_one_of("same-origin", "same-origin-allow-popups"), "set it to 'same-origin'"),
    "Cross-Origin-Resource-Policy": (_one_of("same-origin", "same-site"), "set it to 'same-origin'"),
}
_BY_LOWER = {name.lower(): name for name in HEADERS}


def _catch_all_routes(args: StackValidationArgs, report_violation: Report) -> list[PolicyResource] | None:
    """The enabled routes for every path; None after failing closed on an unknown route setting."""
    found: list[PolicyResource] = []
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


def _headers(routes: list[PolicyResource], report_violation: Report,
             ) -> dict[str, tuple[Any, PolicyResource]] | None:
    """Lower-cased header name -> (value, route) over ``routes``; None after failing closed."""
    merged: dict[str, tuple[Any, PolicyResource]] = {}
    for route in routes:
        headers = lookup(route.props, "route", "headers")
        if headers is UNKNOWN:
            report_violation(unknown_message(label(route), "route.headers", RULE), route.urn)
            return None
        for name in [] if headers is MISSING else list(headers):
            merged.setdefault(str(name).lower(), (lookup(headers, name), route))
    return merged


def _transforms(route: PolicyResource, report_violation: Report) -> None:
    """A response.headers transform on a security header: its effect cannot be judged here, so it is refused."""
    transforms = lookup_list(route.props, "route", "transforms")
    if transforms is UNKNOWN:
        report_violation(unknown_message(label(route), "route.transforms", RULE), route.urn)
    for i, transform in enumerate(transforms if isinstance(transforms, list) else []):
        kind, target = lookup(transform, "type"), lookup(transform, "target")
        if UNKNOWN in (kind, target, transform):
            report_violation(unknown_message(label(route), f"route.transforms[{i}]", RULE), route.urn)
        elif kind == "response.headers" and any(h.lower() in str(target).lower() for h in HEADERS):
            report_violation(f"{label(route)} changes a security header with a response.headers transform "
                             f"(route.transforms[{i}]). Fix: set security headers in route.headers of the "
                             f"route for every path only.", route.urn)


def _other_routes(args: StackValidationArgs, catch_all: list[PolicyResource], minimum: Number,
                  report_violation: Report) -> None:
    """Routes for part of the paths may not weaken a security header there (set it weaker or transform it)."""
    for route in resources_of_type(args, ROUTE):
        if lookup(route.props, "enabled") is False:
            continue
        _transforms(route, report_violation)
        if route in catch_all:
            continue
        headers = lookup(route.props, "route", "headers")
        if headers is UNKNOWN:
            report_violation(unknown_message(label(route), "route.headers", RULE), route.urn)
            continue
        for name in [] if headers is MISSING else list(headers):
            header = _BY_LOWER.get(str(name).lower())
            if header is None:
                continue
            value = lookup(headers, name)
            check, fix = HEADERS[header]
            if value is UNKNOWN:
                report_violation(unknown_message(label(route), f"route.headers.{header}", RULE), route.urn)
            elif value is MISSING or check(str(value), minimum):
                weakness = "no value" if value is MISSING else check(str(value), minimum)
                report_violation(f"{label(route)} overrides {header} with a weak value ({weakness}) on the paths of "
                                 f"its src. Fix: {fix}, or do not set it there.", route.urn)


def _validate(args: StackValidationArgs, report_violation: Report) -> None:
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
    minimum = HSTS_MAX_AGE.value(args)
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
    _other_routes(args, routes, minimum, report_violation)


POLICY = stack_policy(
    name="vercel-project-configure-security-headers",
    description="A Vercel route for every path must set HSTS, a strict CSP, X-Content-Type-Options, X-Frame-Options, "
                "Referrer-Policy, Permissions-Policy, COOP and CORP, and no other route may weaken them.",
    validate=_validate,
    severity=Severity.HIGH,
    remediation_steps="Add (or fix) the vercel.ProjectRoute with route.src '/(.*)' whose route.headers carry the "
                      "security headers; see components/vercel_app.py security_headers().",
    reference=checklist_reference("Pre-Deployment Preparation", "Infrastructure Security",
                                  "Security headers configured in Vercel"),
    tags=["vercel", "headers", "security"],
    thresholds=(HSTS_MAX_AGE,),
)
