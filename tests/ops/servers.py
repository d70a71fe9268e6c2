"""Real local servers for the ops tests: moto in server mode, an HTTPS health endpoint server with a
self-signed certificate, and an endpoint that always throttles."""

from __future__ import annotations

import datetime as dt
import ipaddress
import os
import socket
import ssl
import subprocess
import sys
import threading
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


CLOCK_FILES: dict[str, Path] = {}  # moto URL -> the file its RDS clock offset is read from (moto_clock.py)


@contextmanager
def moto_server(log: Path) -> Iterator[str]:
    """moto's server (with an adjustable RDS clock: moto_clock.py) on a free loopback port; yields its URL
    once it answers."""
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    CLOCK_FILES[url] = log.with_name("moto-clock-offset")
    env = {**os.environ, "MOTO_CLOCK_FILE": str(CLOCK_FILES[url])}
    with log.open("wb") as log_file:
        process = subprocess.Popen([sys.executable, str(Path(__file__).with_name("moto_clock.py")), "-p", str(port),
                                    "-H", "127.0.0.1"], stdout=log_file, stderr=subprocess.STDOUT, env=env)
        try:
            deadline = time.monotonic() + 30
            while True:
                try:
                    urllib.request.urlopen(f"{url}/moto-api/", timeout=1).close()
                    break
                except OSError:
                    if process.poll() is not None or time.monotonic() > deadline:
                        raise RuntimeError(f"moto server did not start: {log.read_text()[-2000:]}") from None
                    time.sleep(0.1)
            yield url
        finally:
            process.terminate()  # moto's SIGTERM handler waits for its threads: give it a moment, no more
            try:
                process.wait(timeout=1)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


@contextmanager
def moto_clock(url: str, offset: dt.timedelta) -> Iterator[None]:
    """moto's RDS clock turned by ``offset`` (negative: the past) inside the block."""
    clock = CLOCK_FILES[url]
    clock.write_text(str(offset.total_seconds()))
    try:
        yield
    finally:
        clock.unlink(missing_ok=True)


def reset_moto(url: str) -> None:
    urllib.request.urlopen(urllib.request.Request(f"{url}/moto-api/reset", method="POST"), timeout=10).close()


def self_signed_cert(directory: Path) -> tuple[Path, Path]:
    """A self-signed certificate for 127.0.0.1 and localhost (it is its own CA bundle)."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "chatpdd-ops-test")])
    now = dt.datetime.now(dt.UTC)
    public = key.public_key()
    cert = (
        x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(public)
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5)).not_valid_after(now + dt.timedelta(days=1))
        .add_extension(x509.SubjectAlternativeName(
            [x509.DNSName("localhost"), x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]), critical=False)
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(public), critical=False)
        .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(public), critical=False)
        .sign(key, hashes.SHA256())
    )
    cert_path, key_path = directory / "cert.pem", directory / "key.pem"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                           serialization.NoEncryption()))
    return cert_path, key_path


@dataclass
class HealthServer:
    """Serves every path with 200 unless ``behaviour[path] = (status, delay_seconds)`` says otherwise."""

    base_url: str = ""
    behaviour: dict[str, tuple[int, float]] = field(default_factory=dict)


class _Quiet(ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request, client_address) -> None:  # a client that gave up is expected
        pass


class _Handler(BaseHTTPRequestHandler):
    def reply(self, status: int, content_type: str, body: bytes) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args) -> None:
        pass


@contextmanager
def _serving(server: ThreadingHTTPServer) -> Iterator[None]:
    with server:
        threading.Thread(target=server.serve_forever, daemon=True).start()
        try:
            yield
        finally:
            server.shutdown()


@contextmanager
def health_server(cert: Path, key: str | Path) -> Iterator[HealthServer]:
    state = HealthServer()

    class Handler(_Handler):
        def do_GET(self) -> None:  # noqa: N802 (http.server's naming)
            status, delay = state.behaviour.get(self.path, (200, 0.0))
            time.sleep(delay)
            self.reply(status, "application/json", b'{"status":"ok"}' if status == 200 else b'{"status":"error"}')

    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert, key)
    server = _Quiet(("127.0.0.1", 0), Handler)
    server.socket = context.wrap_socket(server.socket, server_side=True)
    state.base_url = f"https://127.0.0.1:{server.server_address[1]}"
    with _serving(server):
        yield state


THROTTLE_XML = (b'<ErrorResponse><Error><Type>Sender</Type><Code>Throttling</Code>'
                b'<Message>Rate exceeded</Message></Error><RequestId>t</RequestId></ErrorResponse>')


@contextmanager
def throttling_endpoint() -> Iterator[tuple[str, list[str]]]:
    """An AWS query-protocol endpoint that answers every request with HTTP 400 Throttling."""
    seen: list[str] = []

    class Handler(_Handler):
        def do_POST(self) -> None:  # noqa: N802
            seen.append(self.rfile.read(int(self.headers.get("Content-Length", 0))).decode())
            self.reply(400, "text/xml", THROTTLE_XML)

    server = _Quiet(("127.0.0.1", 0), Handler)
    with _serving(server):
        yield f"http://127.0.0.1:{server.server_address[1]}", seen
