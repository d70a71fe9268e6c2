import pytest
from chatpdd_policies.vercel_project_configure_security_headers import POLICY

from tests.policies.fixtures_vercel import HEADERS, PROJECT, ROUTE, VERCEL
from tests.policies.harness import UNKNOWN_BOOL, UNKNOWN_OBJECT, UNKNOWN_STRING, replace, run, with_props

NAME = "Vercel route 'chatpdd-production-security-headers'"
FIXES = {
    "Strict-Transport-Security": "set it to 'max-age=63072000; includeSubDomains; preload'",
    "Content-Security-Policy": "name every allowed source (no *, bare schemes or wildcard hosts; no 'unsafe-inline' "
                               "or 'unsafe-eval' for scripts or in default-src; no script host that serves "
                               "third-party or user content, no fixed nonce) and set object-src 'none', base-uri "
                               "'self', frame-ancestors 'none' and form-action 'self'",
    "X-Content-Type-Options": "set it to 'nosniff'",
    "X-Frame-Options": "set it to 'DENY'",
    "Referrer-Policy": "set it to 'strict-origin-when-cross-origin'",
    "Permissions-Policy": "deny the browser features the app does not use, at least 'camera=()', "
                          "'microphone=()', 'geolocation=()'",
    "Cross-Origin-Opener-Policy": "set it to 'same-origin'",
    "Cross-Origin-Resource-Policy": "set it to 'same-origin'",
}
CSP = ("default-src 'self'; script-src 'self'; frame-ancestors 'none'; object-src 'none'; base-uri 'self'; "
       "form-action 'self'")


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


def test_hsts_directive_twice_is_ignored_by_browsers():
    assert _header("Strict-Transport-Security", "max-age=63072000; includeSubDomains; max-age=0") == _weak(
        "Strict-Transport-Security", "a directive appears twice, so browsers ignore the header")


def test_csp_unsafe_inline_script():
    assert _header("Content-Security-Policy", CSP.replace("script-src 'self'", "script-src 'self' 'unsafe-inline'")) \
        == _weak("Content-Security-Policy", "'unsafe-inline' in script-src")


def test_csp_unsafe_eval_in_default_src_without_script_src():
    assert _header("Content-Security-Policy", CSP.replace("default-src 'self'; script-src 'self'",
                                                          "default-src 'self' 'unsafe-eval'")) == _weak(
        "Content-Security-Policy", "'unsafe-eval' in default-src")


@pytest.mark.parametrize("change, weakness", [
    # one wildcard source, in any directive
    (("img-src 'self'", "img-src *"), "* in img-src"),
    (("default-src 'self'", "default-src *"), "* in default-src"),
    # bare schemes: any host of that scheme (data: in script-src runs injected data: URLs)
    (("script-src 'self'", "script-src 'self' https:"), "bare scheme https: in script-src"),
    (("script-src 'self'", "script-src 'self' data:"), "bare scheme data: in script-src"),
    (("script-src 'self'", "script-src 'self' http://cdn.example.com"), "insecure http://cdn.example.com in script-src"),
    (("connect-src 'self'", "connect-src 'self' wss:"), "bare scheme wss: in connect-src"),
    (("connect-src 'self'", "connect-src 'self' https://*.example.com"), "wildcard host https://*.example.com in connect-src"),
    (("frame-ancestors 'none'", "frame-ancestors 'none'; frame-src https://*.example.com"),
     "wildcard host https://*.example.com in frame-src"),
    # a CSP3 browser uses script-src-elem for <script> elements: a weak one bypasses a strict script-src
    (("script-src 'self'", "script-src 'self'; script-src-elem 'self' 'unsafe-inline'"),
     "'unsafe-inline' in script-src-elem"),
    # default-src is every other directive's fallback
    (("default-src 'self'", "default-src 'self' 'unsafe-inline'"), "'unsafe-inline' in default-src"),
    (("object-src 'none'", "object-src 'self'"), "object-src is not 'none'"),
    (("base-uri 'self'", "base-uri https:"), "base-uri allows more than 'self'"),
    (("frame-ancestors 'none'", "frame-ancestors *"), "* in frame-ancestors"),
    (("frame-ancestors 'none'", "frame-ancestors https:"), "bare scheme https: in frame-ancestors"),
])
def test_csp_weaknesses_a_browser_would_allow(change, weakness):
    csp = f"{CSP}; img-src 'self'; connect-src 'self'"
    assert change[0] in csp
    assert _header("Content-Security-Policy", csp.replace(change[0], change[1], 1)) == _weak(
        "Content-Security-Policy", weakness)


def test_csp_fallbacks_to_default_src():
    """Without object-src / connect-src, default-src governs them: 'self' is fine there, https: is not."""
    assert _header("Content-Security-Policy", "default-src 'none'; script-src 'self'; base-uri 'none'; "
                                              "frame-ancestors 'none'; form-action 'none'") == []
    assert _header("Content-Security-Policy", "default-src https:; script-src 'self'; object-src 'none'; "
                                              "base-uri 'self'; frame-ancestors 'none'; form-action 'self'") == _weak(
        "Content-Security-Policy", "bare scheme https: in default-src")


def test_csp_stricter_variants_pass():
    assert _header("Content-Security-Policy", CSP.replace("default-src 'self'", "default-src 'none'")) == []
    assert _header("Content-Security-Policy", CSP + "; require-trusted-types-for 'script'") == []
    # a second policy in the same header can only restrict further
    assert _header("Content-Security-Policy", f"{CSP}, img-src 'none'") == []


def test_csp_unsafe_inline_styles_are_allowed():
    assert _header("Content-Security-Policy", f"{CSP}; style-src 'self' 'unsafe-inline'") == []


def test_csp_without_script_restriction_or_frame_ancestors():
    assert _header("Content-Security-Policy", "img-src 'self'") == _weak(
        "Content-Security-Policy", "no script-src or default-src (any script runs), no connect-src or default-src "
                                   "(any host), no frame-src or default-src (any host), no object-src or default-src, "
                                   "no base-uri, no frame-ancestors, no form-action (forms may post anywhere)")


def test_nosniff():
    assert _header("X-Content-Type-Options", "sniff") == _weak("X-Content-Type-Options", "'sniff'")


def test_frame_options():
    assert _header("X-Frame-Options", "SAMEORIGIN") == []
    assert _header("X-Frame-Options", "ALLOW-FROM https://example.com") == _weak(
        "X-Frame-Options", "'ALLOW-FROM https://example.com'")


def test_referrer_unsafe_url():
    assert _header("Referrer-Policy", "unsafe-url") == _weak("Referrer-Policy", "unsafe-url")
    assert _header("Referrer-Policy", "no-referrer-when-downgrade") == _weak("Referrer-Policy",
                                                                             "no-referrer-when-downgrade")
    # the browser takes the last token it knows: a strict fallback first does not help
    assert _header("Referrer-Policy", "no-referrer, unsafe-url") == _weak("Referrer-Policy", "unsafe-url")
    assert _header("Referrer-Policy", "unsafe-url, strict-origin-when-cross-origin") == []
    assert _header("Referrer-Policy", "nonsense") == _weak("Referrer-Policy", "no known policy")


@pytest.mark.parametrize("name, weak, ok", [("Cross-Origin-Opener-Policy", "unsafe-none", "same-origin-allow-popups"),
                                            ("Cross-Origin-Resource-Policy", "cross-origin", "same-site")])
def test_cross_origin_policies(name, weak, ok):
    assert _header(name, weak) == _weak(name, f"'{weak}'")
    assert _header(name, ok) == []


def test_a_route_for_some_paths_may_not_weaken_a_header():
    api = with_props(ROUTE, route={"src": "/api/(.*)", "headers": {"Content-Security-Policy": "default-src *",
                                                                     "Cache-Control": "no-store"}})
    api = type(ROUTE)(**{**vars(api), "urn": ROUTE.urn + "-api", "name": "chatpdd-production-api-headers"})
    outcome = run(POLICY, [*VERCEL, api])
    assert outcome.messages == [
        "Vercel route 'chatpdd-production-api-headers' overrides Content-Security-Policy with a weak value (* in "
        "default-src, object-src is not 'none', no base-uri, no frame-ancestors, no form-action (forms may post "
        "anywhere)) on the paths of its src. Fix: "
        f"{FIXES['Content-Security-Policy']}, or do not set it there."]
    assert outcome.urns == [api.urn]
    strict = with_props(api, route={"src": "/api/(.*)", "headers": {"Content-Security-Policy": CSP}})
    assert run(POLICY, [*VERCEL, strict]).messages == []


def test_a_response_header_transform_on_a_security_header_is_refused():
    route = with_props(ROUTE, route={"src": "/(.*)", "headers": HEADERS, "transforms": [
        {"type": "response.headers", "op": "delete", "target": '{"key": "Content-Security-Policy"}'}]})
    assert run(POLICY, replace(VERCEL, route)).messages == [
        f"{NAME} changes a security header with a response.headers transform (route.transforms[0]). Fix: set "
        "security headers in route.headers of the route for every path only."]


def test_permissions_must_deny_the_required_features():
    assert _header("Permissions-Policy", " ") == _weak("Permissions-Policy",
                                                       "does not deny camera, microphone, geolocation")
    assert _header("Permissions-Policy", "camera=(), microphone=*, geolocation=(self)") == _weak(
        "Permissions-Policy", "does not deny microphone, geolocation")
    assert _header("Permissions-Policy", "usb=()") == _weak(  # non-empty is not enough (issue 17)
        "Permissions-Policy", "does not deny camera, microphone, geolocation")
    assert _header("Permissions-Policy", "camera=(), microphone=(), geolocation=(), camera=*") == _weak(
        "Permissions-Policy", "does not deny camera")  # the last entry of a repeated feature counts


def test_permissions_denying_more_passes():
    assert _header("Permissions-Policy", "Camera=(), microphone=(), geolocation=(), usb=(), payment=()") == []


@pytest.mark.parametrize(("change", "weakness"), [
    # hosts anyone can publish scripts on (the app's own uploads bucket origin among them)
    (("script-src 'self'", "script-src 'self' https://chatpdd-production-uploads-111122223333.s3.amazonaws.com"),
     "https://chatpdd-production-uploads-111122223333.s3.amazonaws.com in script-src serves third-party or user "
     "content"),
    (("script-src 'self'", "script-src 'self' https://d111111abcdef8.cloudfront.net"),
     "https://d111111abcdef8.cloudfront.net in script-src serves third-party or user content"),
    (("script-src 'self'", "script-src 'self' https://chatpdd-git-main.vercel.app"),
     "https://chatpdd-git-main.vercel.app in script-src serves third-party or user content"),
    (("script-src 'self'", "script-src 'self' https://cdn.jsdelivr.net"),
     "https://cdn.jsdelivr.net in script-src serves third-party or user content"),
    (("script-src 'self'", "script-src 'self' unpkg.com"), "unpkg.com in script-src serves third-party or user content"),
    # a nonce written into a static header never changes
    (("script-src 'self'", "script-src 'self' 'nonce-r4nd0m'"),
     "a fixed nonce in script-src (a nonce in a static header never changes)"),
    # form-action has no fallback
    (("; form-action 'self'", ""), "no form-action (forms may post anywhere)"),
    (("form-action 'self'", "form-action 'self' https:"), "form-action allows https:"),
    (("form-action 'self'", "form-action https://*.example.com"), "form-action allows https://*.example.com"),
])
def test_csp_issue_17_judgements(change, weakness):
    assert change[0] in CSP
    assert _header("Content-Security-Policy", CSP.replace(change[0], change[1], 1)) == _weak(
        "Content-Security-Policy", weakness)


def test_csp_own_host_and_full_https_form_target_pass():
    assert _header("Content-Security-Policy", CSP.replace("script-src 'self'", "script-src 'self' https://app.chatpdd.com")
                   .replace("form-action 'self'", "form-action 'self' https://auth.chatpdd.com")) == []


def test_route_for_some_paths_only_does_not_count():
    assert run(POLICY, replace(VERCEL, _route(src="/api/(.*)"))).violations == [
        ("Vercel project 'chatpdd-production-project' has no enabled Vercel route for every path (src '/(.*)'), so "
         "no security headers are set. Fix: add a vercel.ProjectRoute with route={'src': '/(.*)', 'headers': {...}} "
         "carrying Strict-Transport-Security, Content-Security-Policy, X-Content-Type-Options, X-Frame-Options, "
         "Referrer-Policy, Permissions-Policy, Cross-Origin-Opener-Policy, Cross-Origin-Resource-Policy.",
         PROJECT.urn)]


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
