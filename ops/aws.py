"""AWS client factory: one session per command, retries with backoff, endpoint from the environment.

Clients come from botocore, the core that boto3 wraps (ops needs clients, not resources). It honours
``AWS_ENDPOINT_URL`` natively (the tests point it at moto), and ``AWS_RETRY_MODE`` /
``AWS_MAX_ATTEMPTS`` override the defaults below.
"""

from __future__ import annotations

import functools
import os
from collections.abc import Callable
from typing import Any, Protocol
from urllib.parse import urlsplit

import botocore.loaders
import botocore.session
from botocore.config import Config
from botocore.exceptions import ClientError

from ops.errors import OpsError

DEFAULT_RETRY_MODE = "adaptive"  # client-side rate limiting on top of standard exponential backoff
DEFAULT_MAX_ATTEMPTS = 8

THROTTLING_CODES = frozenset({
    "Throttling", "ThrottlingException", "ThrottledException", "RequestThrottledException",
    "TooManyRequestsException", "RequestLimitExceeded", "SlowDown", "RequestThrottled",
    "ProvisionedThroughputExceededException", "BandwidthLimitExceeded", "EC2ThrottledException",
    "PriorRequestNotComplete", "TransactionInProgressException",
})


# One record of an AWS answer (a DB instance, a snapshot, a bucket's configuration): its shape is the
# service's API model, which botocore loads at run time; ops reads the keys it needs where it uses them.
Record = dict[str, Any]


class Client(Protocol):
    """A botocore service client. Its operations (``describe_db_instances``, ``get_paginator``, ...) are
    generated at run time from the API model, so they are typed as keyword calls answering a :data:`Record`
    (or a paginator/waiter for the two factory methods)."""

    def __getattr__(self, operation: str) -> Callable[..., Any]: ...


RETRY_MODES = ("legacy", "standard", "adaptive")
MAX_ATTEMPTS_RANGE = (1, 50)


def retry_settings() -> dict[str, str | int]:
    """Retry mode and attempts (including the first) from AWS_RETRY_MODE / AWS_MAX_ATTEMPTS, checked here:
    botocore would otherwise fail on a bad value with a bare ValueError deep inside client creation."""
    mode = os.environ.get("AWS_RETRY_MODE") or DEFAULT_RETRY_MODE
    if mode not in RETRY_MODES:
        raise OpsError(f"AWS_RETRY_MODE={mode!r} is not a retry mode; expected one of {', '.join(RETRY_MODES)}")
    raw = os.environ.get("AWS_MAX_ATTEMPTS") or str(DEFAULT_MAX_ATTEMPTS)
    low, high = MAX_ATTEMPTS_RANGE
    if not raw.strip().isdigit() or not low <= int(raw) <= high:
        raise OpsError(f"AWS_MAX_ATTEMPTS={raw[:20]!r} is not a whole number from {low} to {high} (attempts per "
                       f"request, the first included)")
    return {"mode": mode, "total_max_attempts": int(raw)}


@functools.cache
def api_models() -> botocore.loaders.Loader:
    """The parsed API models, shared by every session in this process: parsing them is the slow part
    of creating a client, and they never change. Credentials and settings stay per session."""
    return botocore.loaders.create_loader(os.environ.get("AWS_DATA_PATH"))


LAST_ENDPOINT: list[str] = [""]  # scheme://host[:port] of the request sent last (for error messages)


def _remember_endpoint(request: Any, **_: Any) -> None:
    parts = urlsplit(str(request.url))
    LAST_ENDPOINT[0] = f"{parts.scheme}://{parts.netloc}"


def _refuse_html(response_dict: dict[str, Any], **_: Any) -> None:
    """AWS APIs answer XML or JSON, never a web page: an HTML answer (a captive portal's login page, a
    proxy's block page, often with HTTP 200) is refused before botocore's parser trips over it with a
    traceback -- or, worse, parses it into an empty result."""
    # The body, not the Content-Type: moto (and some AWS-compatible services) label their XML text/html.
    body = response_dict.get("body") or b""
    head = (body[:256] if isinstance(body, bytes) else b"").lstrip().lower()
    if head.startswith((b"<!doctype html", b"<html", b"<head", b"<body")):
        raise OpsError(f"the endpoint {LAST_ENDPOINT[0] or '(unknown)'} answered HTTP {response_dict.get('status_code')} "
                       f"with text/html instead of an AWS API response (a captive portal, a proxy's page?); check "
                       f"the network, the proxy settings and AWS_ENDPOINT_URL")


class Aws:
    """Creates each service client once, all from one session and one retry configuration."""

    def __init__(self, region: str | None) -> None:
        self._session = botocore.session.get_session()
        self._session.register_component("data_loader", api_models())
        self._session.register("before-send", _remember_endpoint)
        self._session.register("before-parse", _refuse_html)
        self._region = region
        self._config = Config(retries=retry_settings(), connect_timeout=10, read_timeout=60)
        self._clients: dict[str, Client] = {}

    def client(self, service: str) -> Client:
        """The client for ``service``, created once."""
        if service not in self._clients:
            self._clients[service] = self._session.create_client(service, region_name=self._region,
                                                                 config=self._config)
        return self._clients[service]


def error_code(error: ClientError) -> str:
    """The AWS error code of a ClientError."""
    return str(error.response.get("Error", {}).get("Code", ""))


def is_throttling(error: ClientError) -> bool:
    """Whether a ClientError is AWS throttling (retried by botocore before it reaches us)."""
    return error_code(error) in THROTTLING_CODES


def same_kms_key(actual: str | None, expected: str) -> bool:
    """KMS keys compare by key id: AWS reports ARNs, but a key id on either side is the same key."""
    if not actual:
        return False
    return actual == expected or actual.rsplit("/", 1)[-1] == expected.rsplit("/", 1)[-1]


def tag_list(pairs: dict[str, str]) -> list[dict[str, str]]:
    """A tag dict as AWS's ``[{Key, Value}]`` list."""
    return [{"Key": k, "Value": v} for k, v in pairs.items()]


def tags_of(resource: Record) -> dict[str, str]:
    """A resource's ``TagList`` as a dict."""
    return {t["Key"]: t["Value"] for t in resource.get("TagList", [])}
