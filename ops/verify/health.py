"""The app's health endpoints answer 200 over HTTPS within the checklist's budget
("API response times < 500ms"). One GET each, no redirects followed, certificate verified."""

from __future__ import annotations

import http.client
import ssl
import time
from urllib.parse import urlsplit

from ops.errors import OpsError
from ops.outputs import App
from ops.verify.result import Result, expect
from stacks.checklist import HEALTH_ENDPOINTS


def probe(url: str, context: ssl.SSLContext, budget_ms: int) -> tuple[bool, str]:
    """Whether one endpoint is healthy, and what was seen."""
    parts = urlsplit(url)
    if parts.scheme != "https" or not parts.hostname:
        return False, "not an https:// URL"
    path = parts.path + (f"?{parts.query}" if parts.query else "")
    connection = http.client.HTTPSConnection(parts.hostname, parts.port, context=context, timeout=budget_ms / 1000)
    start = time.monotonic()
    try:
        connection.request("GET", path or "/", headers={"User-Agent": "chatpdd-ops-verify"})
        response = connection.getresponse()
        response.read()
        status = response.status
    except TimeoutError:
        return False, f"no answer within {budget_ms} ms"
    except ssl.SSLError as exc:
        return False, f"TLS error: {exc.reason or exc}"
    except OSError as exc:
        return False, f"connection failed: {exc}"
    finally:
        connection.close()
    elapsed_ms = (time.monotonic() - start) * 1000
    seen = f"HTTP {status} in {elapsed_ms:.0f} ms"
    if status != 200:
        return False, f"{seen}, expected 200"
    if elapsed_ms > budget_ms:
        return False, f"{seen} > {budget_ms} ms budget"
    return True, seen


def tls_context(ca_bundle: str | None) -> ssl.SSLContext:
    """Certificate-verifying TLS: the system CAs, or only those of ``--ca-bundle``."""
    try:
        return ssl.create_default_context(cafile=ca_bundle)
    except (OSError, ssl.SSLError) as exc:
        raise OpsError(f"--ca-bundle {ca_bundle}: cannot load it ({exc}); expected a PEM file of CA certificates") from None


def check_health(app: App, context: ssl.SSLContext, budget_ms: int) -> list[Result]:
    """Every health URL answers 200 over HTTPS within the budget."""
    paths = {urlsplit(u).path for u in app.health_urls}
    missing = [p for p in HEALTH_ENDPOINTS if p not in paths]
    results = [expect("health-coverage", "app.health_urls", [f"no URL for {p}" for p in missing],
                      f"{len(HEALTH_ENDPOINTS)} checklist endpoints")]
    return results + [Result("health-endpoint", url, *probe(url, context, budget_ms)) for url in app.health_urls]
