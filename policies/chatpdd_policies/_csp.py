"""A Content-Security-Policy evaluator: what a browser would allow, judged like the MDN HTTP Observatory and
Google's CSP Evaluator judge it (not "is the header present").

A header value may hold several policies (``,``-separated); a browser enforces all of them, so the header
is as strict as its strictest policy: it passes if one policy passes. Inside a policy the first occurrence
of a directive counts (browsers ignore repeats); directive names are case-insensitive. A directive that is
absent falls back as CSP Level 3 says (``script-src-elem`` -> ``script-src`` -> ``default-src``, ...).
Rules (each a phrase in the weakness list):

- no ``*`` source in any directive;
- scripts (``script-src``, ``script-src-elem``, ``script-src-attr``, each with its fallbacks) restricted:
  no ``'unsafe-inline'`` / ``'unsafe-eval'``, no bare scheme source (``https:``, ``http:``, ``data:``,
  ``blob:`` ...), no wildcard host (``https://*.cdn.com``), no ``http://`` host; absent everywhere = any
  script runs;
- ``connect-src`` and ``frame-src`` (with fallbacks): no bare network scheme (``https:``, ``http:``,
  ``wss:``, ``ws:``), no wildcard host, no ``http://``/``ws://`` host;
- ``default-src`` (every fetch directive's fallback): no ``'unsafe-inline'`` / ``'unsafe-eval'`` either;
- ``object-src`` (or ``default-src``) exactly ``'none'``;
- ``base-uri`` present and only ``'self'`` or ``'none'`` (it has no fallback);
- ``frame-ancestors`` present, with no ``*``, bare scheme or wildcard host (it has no fallback);
- ``form-action`` present (it has no fallback: absent, a form posts anywhere), only ``'self'``, ``'none'`` or
  full ``https://`` hosts (issue 17);
- no script source on a host that serves third-party or user content (:data:`CONTENT_HOSTS`: S3 bucket
  origins -- the app's own uploads bucket among them --, CloudFront, ``*.vercel.app``, public npm/GitHub CDNs,
  ...): anyone who can put a file there runs script in the app (CSP Evaluator's "hosts known to serve
  user content / JSONP"; issue 17);
- no ``'nonce-...'`` in a header that is static configuration: a nonce that never changes is no nonce (an
  injected ``<script nonce=...>`` copies it).
"""

from __future__ import annotations

import re

FALLBACKS = {
    "script-src-elem": ("script-src", "default-src"),
    "script-src-attr": ("script-src", "default-src"),
    "script-src": ("default-src",),
    "connect-src": ("default-src",),
    "frame-src": ("child-src", "default-src"),
    "object-src": ("default-src",),
}
SCRIPT_DIRECTIVES = ("script-src", "script-src-elem", "script-src-attr")
NETWORK_DIRECTIVES = ("connect-src", "frame-src")
UNSAFE_SCRIPT = ("'unsafe-inline'", "'unsafe-eval'")
NETWORK_SCHEMES = ("http:", "https:", "ws:", "wss:")
_SCHEME_ONLY = re.compile(r"^[a-z][a-z0-9+.-]*:$")
_INSECURE_HOST = re.compile(r"^(http|ws)://")
# Hosts whose content anyone (another customer of the service, a user of the app, a package author) can
# publish: a script source there runs their code. Suffixes match the host and its subdomains.
CONTENT_HOSTS = (
    "amazonaws.com", "cloudfront.net", "vercel.app", "now.sh", "netlify.app", "herokuapp.com", "github.io",
    "githubusercontent.com", "cdn.jsdelivr.net", "unpkg.com", "cdnjs.cloudflare.com", "esm.sh", "skypack.dev",
    "storage.googleapis.com", "googleusercontent.com", "appspot.com", "firebaseapp.com", "web.app",
    "blob.core.windows.net", "azureedge.net", "r2.dev", "pages.dev", "workers.dev", "ajax.googleapis.com",
)
_HOST = re.compile(r"^(?:[a-z][a-z0-9+.-]*://)?([^/:]+)")


def parse(policy: str) -> dict[str, list[str]]:
    """Directive name (lower case) -> its source expressions (lower case), first occurrence kept."""
    found: dict[str, list[str]] = {}
    for part in policy.split(";"):
        words = part.split()
        if words:
            found.setdefault(words[0].lower(), [w.lower() for w in words[1:]])
    return found


def effective(directives: dict[str, list[str]], name: str) -> tuple[str | None, list[str]]:
    """(the directive that governs ``name``, its sources); (None, []) when nothing does."""
    for candidate in (name, *FALLBACKS.get(name, ())):
        if candidate in directives:
            return candidate, directives[candidate]
    return None, []


def _source_problems(governing: str, sources: list[str], *, schemes: tuple[str, ...] | None) -> list[str]:
    """Wildcard hosts, insecure hosts and bare schemes (``schemes=None``: every scheme) in ``sources``."""
    problems = []
    for source in sources:
        if source != "*" and "*" in source:
            problems.append(f"wildcard host {source} in {governing}")
        elif _INSECURE_HOST.match(source):
            problems.append(f"insecure {source} in {governing}")
        elif _SCHEME_ONLY.match(source) and (schemes is None or source in schemes):
            problems.append(f"bare scheme {source} in {governing}")
    return problems


def _content_host(source: str) -> bool:
    """Whether a host source is on a host that serves third-party or user content (CONTENT_HOSTS)."""
    if source.startswith("'") or _SCHEME_ONLY.match(source):
        return False
    match = _HOST.match(source)
    host = match.group(1).lstrip("*.") if match else ""
    return any(host == suffix or host.endswith("." + suffix) for suffix in CONTENT_HOSTS)


def _script_problems(governing: str, sources: list[str]) -> list[str]:
    problems = [f"{s} in {governing}" for s in UNSAFE_SCRIPT if s in sources]
    problems += _source_problems(governing, sources, schemes=None)
    problems += [f"{s} in {governing} serves third-party or user content" for s in sources if _content_host(s)]
    problems += [f"a fixed nonce in {governing} (a nonce in a static header never changes)"
                 for s in sources[:1] if any(x.startswith("'nonce-") for x in sources)]
    return problems


def _form_action(directives: dict[str, list[str]]) -> list[str]:
    sources = directives.get("form-action")
    if sources is None:
        return ["no form-action (forms may post anywhere)"]
    return [f"form-action allows {s}" for s in sources
            if s not in ("'self'", "'none'") and not (s.startswith("https://") and "*" not in s)]


def _one_policy(policy: str) -> list[str]:
    directives = parse(policy)
    problems = [f"* in {name}" for name, sources in directives.items() if "*" in sources]
    seen: set[str] = set()
    for name in SCRIPT_DIRECTIVES:
        governing, sources = effective(directives, name)
        if governing is None:
            if name == "script-src":
                problems.append("no script-src or default-src (any script runs)")
            continue
        if governing in seen:
            continue
        seen.add(governing)
        problems += _script_problems(governing, sources)
    for name in NETWORK_DIRECTIVES:
        governing, sources = effective(directives, name)
        if governing is None:
            problems.append(f"no {name} or default-src (any host)")
        elif governing not in seen:
            seen.add(governing)
            problems += _source_problems(governing, sources, schemes=NETWORK_SCHEMES)
    # default-src is every other fetch directive's fallback (styles, images, fonts ...): never unsafe there.
    problems += [f"{s} in default-src" for s in UNSAFE_SCRIPT if s in directives.get("default-src", [])]
    governing, sources = effective(directives, "object-src")
    if sources != ["'none'"]:
        problems.append("object-src is not 'none'" if governing else "no object-src or default-src")
    base = directives.get("base-uri")
    if base is None:
        problems.append("no base-uri")
    elif not base or any(s not in ("'self'", "'none'") for s in base):
        problems.append("base-uri allows more than 'self'")
    ancestors = directives.get("frame-ancestors")
    if ancestors is None:
        problems.append("no frame-ancestors")
    else:
        problems += _source_problems("frame-ancestors", ancestors, schemes=None)
    problems += _form_action(directives)
    return list(dict.fromkeys(problems))


def weaknesses(value: str) -> list[str]:
    """What makes the header ``value`` weak ([] if nothing): the weaknesses of its first policy, unless one of
    its policies has none."""
    policies = [p for p in value.split(",") if p.strip()] or [""]
    results = [_one_policy(p) for p in policies]
    return [] if any(not r for r in results) else results[0]
