"""The policy-pack side of the gate: start the pack, configure it, Analyze each resource as the program
registers it, AnalyzeStack once at the end -- the calls ``pulumi preview --policy-pack`` makes, in the
order the engine makes them.

Why streaming: the program under mocks is CPU-bound in the gate's process while the pack's process sits
idle on another core. Sending each resource to the pack the moment it registers (several requests in
flight on the one channel; the pack serves them on its own threads) overlaps the two, as the engine does.
Setup (start, GetAnalyzerInfo, Configure) runs in the background from the start; any failure is kept
and raised by :meth:`PackSession.ready` on the pipeline's path, never inside the program run.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path
from typing import Any

from gate.pack.analyzer import AnalyzeResult, AnalyzerResource, PackInfo, PolicyPackProcess
from gate.program.program import CapturedResource
from gate.review.changes import AliasResolver

# The pack serves Analyze on 4 threads: a few more requests in flight hide the round trips.
ANALYZE_CONCURRENCY = 8


_DURATION = re.compile(r"(\d+(?:\.\d+)?)(h|ms|m|s|us|µs|ns)")
_SECONDS = {"h": 3600.0, "m": 60.0, "s": 1.0, "ms": 1e-3, "us": 1e-6, "µs": 1e-6, "ns": 1e-9}


def duration_seconds(text: str) -> float:
    """A Go duration (``"1h30m"``, ``"5m"``: what customTimeouts carries) in seconds (0 if unreadable)."""
    return sum(float(n) * _SECONDS[unit] for n, unit in _DURATION.findall(text or ""))


def to_analyzer(r: CapturedResource, providers: dict[str, dict[str, Any]] | None = None) -> AnalyzerResource:
    """A captured resource as the engine sends it to the pack: its options (aliases as URNs), and its
    provider's inputs (``providers``: provider URN -> inputs) when that provider was registered."""
    timeouts = None
    if r.custom_timeouts:
        t = r.custom_timeouts
        timeouts = (duration_seconds(t.get("create", "")), duration_seconds(t.get("update", "")),
                    duration_seconds(t.get("delete", "")))
    provider_urn = "::".join((r.provider or "").split("::")[:4])
    return AnalyzerResource(urn=r.urn, type=r.type, name=r.name, properties=r.properties, parent=r.parent,
                            dependencies=list(r.dependencies), property_dependencies=dict(r.property_dependencies),
                            protect=r.protect, retain_on_delete=r.retain_on_delete,
                            ignore_changes=list(r.ignore_changes),
                            additional_secret_outputs=list(r.additional_secret_outputs), provider=r.provider,
                            delete_before_replace=True if r.delete_before_replace else None,
                            aliases=sorted(AliasResolver([r]).aliases(r.urn)),
                            custom_timeouts=timeouts,
                            provider_properties=(providers or {}).get(provider_urn, {}))


class PackSession:
    """Use as a context manager; ``configure`` is called in the background with the pack's info and must
    return the resolved config (it raises for a bad pack config)."""

    def __init__(self, pack_dir: Path, configure: Callable[[PolicyPackProcess], Any]):
        self.pack = PolicyPackProcess(pack_dir)
        self._configure = configure
        self._setup_pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="pack-setup")
        self._pool = ThreadPoolExecutor(max_workers=ANALYZE_CONCURRENCY, thread_name_prefix="analyze")
        self._setup: Future[tuple[PackInfo, Any]] | None = None
        self._lock = threading.Lock()
        self._pending: list[tuple[str, Future[AnalyzeResult | None]]] = []
        self._closed = False
        self._providers: dict[str, dict[str, Any]] = {}  # provider URN -> its inputs (sent with its resources)

    def __enter__(self) -> PackSession:
        self._setup = self._setup_pool.submit(self._start_and_configure)
        return self

    def __exit__(self, *exc: Any) -> None:
        self._closed = True
        if exc[0] is not None:
            # An error or an interrupt: stop the pack first, so that requests still in flight (and a setup
            # still waiting for the port) fail at once instead of being waited for.
            self.pack.stop()
        self._pool.shutdown(wait=True, cancel_futures=True)
        self.pack.stop()  # before its starting thread ends: that would SIGKILL it (gate/program/children.py)
        self._setup_pool.shutdown(wait=True)

    def _start_and_configure(self) -> tuple[PackInfo, Any]:
        self.pack.start()
        return self.pack.info(), self._configure(self.pack)

    def ready(self) -> tuple[PackInfo, Any]:
        """Wait for the pack to be started and configured; raises what setup raised."""
        assert self._setup is not None, "use PackSession as a context manager"
        return self._setup.result()

    def _analyze(self, resource: AnalyzerResource) -> AnalyzeResult | None:
        try:
            self.ready()
        except Exception:  # noqa: BLE001 - reported by ready() on the pipeline's path
            return None
        return self.pack.analyze(resource)

    def submit(self, resource: CapturedResource) -> None:
        """Queue Analyze for one resource (safe from any thread; never raises into the program run)."""
        with self._lock:
            if resource.type.startswith("pulumi:providers:"):
                self._providers[resource.urn] = resource.properties
            if not self._closed:
                self._pending.append((resource.urn, self._pool.submit(self._analyze,
                                                                      to_analyzer(resource, self._providers))))

    def finish(self, resources: list[CapturedResource]) -> AnalyzeResult:
        """Collect every Analyze (submitting any resource not streamed), then AnalyzeStack on all of them."""
        self.ready()
        with self._lock:
            sent = {urn for urn, _ in self._pending}
        for r in resources:
            if r.urn not in sent:
                self.submit(r)
        total = AnalyzeResult()
        with self._lock:
            pending = list(self._pending)
        providers = {r.urn: r.properties for r in resources if r.type.startswith("pulumi:providers:")}
        stack: Future[AnalyzeResult] = self._pool.submit(self.pack.analyze_stack,
                                                         [to_analyzer(r, providers) for r in resources])
        for _, future in pending:
            one = future.result()  # PolicyPackProcess.analyze already stamps each diagnostic with its URN
            if one is not None:
                total.extend(one)
        return total.extend(stack.result())
