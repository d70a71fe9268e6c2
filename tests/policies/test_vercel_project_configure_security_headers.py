import pytest
from chatpdd_policies.vercel_project_configure_security_headers import POLICY

from tests.policies.fixtures_vercel import HEADERS, PROJECT, ROUTE, VERCEL
from tests.policies.harness import UNKNOWN_BOOL, UNKNOWN_OBJECT, UNKNOWN_STRING, replace, run, with_props

NAME = "Vercel route 'chatpdd-production-security-headers'"
FIXES = {
    "Strict-Transport-Security": "set it to 'max-age=63072000; includeSubDomains; preload'",
    "Content-Security-Policy": "allow scripts from named sources only (no 'unsafe-inline' or 'unsafe-eval' in "
                               "script-src) and set frame-ancestors 'none'",
    "X-Content-Type-Options": "set it to 'nosniff'",
    "X-Frame-Options": "set it to 'DENY'",
    "Referrer-Policy": "set it to 'strict-origin-when-cross-origin'",
    "Permissions-Policy": "deny the browser features the app does not use, e.g. 'camera=(), microphone=(), "
                          "geolocation=()'",
}
CSP = "default-src 'self'; script-src 'self'; frame-ancestors 'none'"


def _route(headers=None, **route):
    return with_props(ROUTE, route={"src": "/(.*)", "headers": HEADERS if headers is None else headers, **route})


def _header(name, value):
    headers = {k: v for k, v in HEADERS.items() if k != name}
    if value is not None:
        headers[name] = value
    return run(POLICY, replace(VERCEL, _route(headers))).messages


def _weak(name, weakness):
    return [f"{NAME} sets a weak {name} ({weakness}). Fix: {FIXES[name]}."]


def test_compliant():
    assert run(POLICY, VERCEL).messages == []


def test_header_names_are_case_insensitive():
    assert run(POLICY, replace(VERCEL, _route({k.lower(): v for k, v in HEADERS.items()}))).messages == []


@pytest.mark.parametrize("name", list(FIXES))
def test_each_missing_header(name):
    assert _header(name, None) == [f"{NAME} does not set {name}. Fix: {FIXES[name]}."]


def test_hsts_too_short():
    assert _header("Strict-Transport-Security", "max-age=86400; includeSubDomains") == _weak(
        "Strict-Transport-Security", "max-age below 31536000")


def test_hsts_without_subdomains():
    assert _header("Strict-Transport-Security", "max-age=63072000") == _weak(
        "Strict-Transport-Security", "no includeSubDomains")


def test_hsts_config_minimum():
    route = _route({**HEADERS, "Strict-Transport-Security": "max-age=31536000; includeSubDomains"})
    assert run(POLICY, replace(VERCEL, route), config={"minHstsMaxAgeSeconds": 63072000}).messages == _weak(
        "Strict-Transport-Security", "max-age below 63072000")


def test_csp_unsafe_inline_script():
    assert _header("Content-Security-Policy", "default-src 'self'; script-src 'self' 'unsafe-inline'; "
                                              "frame-ancestors 'none'") == _weak(
        "Content-Security-Policy", "'unsafe-inline' in script-src")


def test_csp_unsafe_eval_in_default_src_without_script_src():
    assert _header("Content-Security-Policy", "default-src 'self' 'unsafe-eval'; frame-ancestors 'none'") == _weak(
        "Content-Security-Policy", "'unsafe-eval' in default-src")


def test_csp_unsafe_inline_styles_are_allowed():
    assert _header("Content-Security-Policy", f"{CSP}; style-src 'self' 'unsafe-inline'") == []


def test_csp_without_script_restriction_or_frame_ancestors():
    assert _header("Content-Security-Policy", "img-src 'self'") == _weak(
        "Content-Security-Policy", "no script-src or default-src, no frame-ancestors")


def test_nosniff():
    assert _header("X-Content-Type-Options", "sniff") == _weak("X-Content-Type-Options", "'sniff'")


def test_frame_options():
    assert _header("X-Frame-Options", "SAMEORIGIN") == []
    assert _header("X-Frame-Options", "ALLOW-FROM https://example.com") == _weak(
        "X-Frame-Options", "'ALLOW-FROM https://example.com'")


def test_referrer_unsafe_url():
    assert _header("Referrer-Policy", "unsafe-url") == _weak("Referrer-Policy", "unsafe-url")


def test_permissions_empty():
    assert _header("Permissions-Policy", " ") == _weak("Permissions-Policy", "empty")


def test_route_for_some_paths_only_does_not_count():
    assert run(POLICY, replace(VERCEL, _route(src="/api/(.*)"))).violations == [
        ("Vercel project 'chatpdd-production-project' has no enabled Vercel route for every path (src '/(.*)'), so "
         "no security headers are set. Fix: add a vercel.ProjectRoute with route={'src': '/(.*)', 'headers': {...}} "
         "carrying Strict-Transport-Security, Content-Security-Policy, X-Content-Type-Options, X-Frame-Options, "
         "Referrer-Policy, Permissions-Policy.", PROJECT.urn)]


def test_conditional_route_does_not_count():
    route = _route(has=[{"type": "header", "key": "x-preview"}])
    assert len(run(POLICY, replace(VERCEL, route)).messages) == 1


def test_disabled_route_does_not_count():
    assert len(run(POLICY, replace(VERCEL, with_props(ROUTE, enabled=False))).messages) == 1


def test_missing_route():
    assert len(run(POLICY, [r for r in VERCEL if r.urn != ROUTE.urn]).messages) == 1


def test_unknown_header_value_fails_closed():
    assert _header("X-Frame-Options", UNKNOWN_STRING) == [
        f"{NAME}: route.headers.X-Frame-Options is unknown at preview, so the security headers cannot be verified. "
        "Fix: set it from a literal or stack config."]


def test_unknown_headers_fail_closed():
    assert run(POLICY, replace(VERCEL, _route(UNKNOWN_OBJECT))).messages == [
        f"{NAME}: route.headers is unknown at preview, so the security headers cannot be verified. "
        "Fix: set it from a literal or stack config."]


def test_unknown_enabled_fails_closed():
    assert run(POLICY, replace(VERCEL, with_props(ROUTE, enabled=UNKNOWN_BOOL))).messages == [
        f"{NAME}: enabled is unknown at preview, so the security headers cannot be verified. "
        "Fix: set it from a literal or stack config."]
