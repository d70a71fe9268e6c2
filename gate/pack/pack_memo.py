"""The offline gate's launcher of the policy pack, with a per-request memo of pulumi-policy's protobuf ->
dict conversion. The rationale is written here and only here (docs/benchmarks.md refers to it).

How it runs: :class:`gate.pack.analyzer.PolicyPackProcess` starts the pack as ``python -u gate/pack/pack_memo.py
127.0.0.1:0 <pack dir>`` instead of ``python -u -m pulumi.policy 127.0.0.1:0 <pack dir>``. As a script this
module installs the memo, then runs ``pulumi.policy`` exactly as the CLI would, with the same arguments. The
pack itself (``policies/``) knows nothing of it: ``pulumi preview/up --policy-pack policies`` runs
pulumi-policy as shipped, so the deploy path patches no private internals; only the offline gate, which runs
the pack many times on laptops and in PR checks, takes the shortcut -- and its tests prove the verdicts equal.

Why: pulumi-policy's ``_PolicyAnalyzerServicer`` converts a resource's properties again for EVERY
policy. ``Analyze`` runs ``json_format.MessageToDict(request.properties)`` (and, for the provider,
``MessageToDict(request.provider.properties)``) inside its loop over the pack's policies;
``AnalyzeStack`` converts every resource of the stack inside its loop over the stack policies. With
42 policies that is resources x policies conversions of the same messages, and it was the largest
single cost of the pack (41-43% of the servicer's time in a cProfile on the production resources; the
benchmark's ``pack_servicer`` figures compare the pack with and without it).

What: while the servicer handles one ``Analyze`` or ``AnalyzeStack`` request, ``MessageToDict`` of a
message it has already converted during THAT request returns the first result instead of converting
again. Nothing else changes: the SDK still deserializes and wraps the properties freshly for every
policy, so each policy keeps getting its own objects (the proxies are mutable, so sharing them would let
one policy change what the next one sees).

Why it is safe:
- The memoised dict is only ever read: ``deserialize_properties`` builds new dicts and lists for every
  container it meets (secrets, assets and archives included) and keeps only immutable scalars from
  its input, so no policy can reach -- let alone mutate -- the memoised dict.
- The memo is per request and per thread: ``Analyze`` / ``AnalyzeStack`` open a scope on the gRPC
  worker thread serving the request (the server has several; the engine and the gate send
  concurrent Analyze calls) and drop it when the request returns. Outside a scope (Configure,
  GetAnalyzerInfo, Remediate) nothing is memoised.
- Entries are keyed by the identity of the message object and hold a reference to it, so within a
  scope an id can never be reused by another message; a hit also checks ``is``.
- Only ``pulumi_policy.policy``'s reference to ``json_format`` is replaced (by a view of the module
  whose ``MessageToDict`` is memoised); no other module of the process is affected.
- If pulumi-policy's internals move, :func:`install` warns on stderr and the pack runs as shipped.

It runs in the pack's interpreter (not the gate's), so like the pack it keeps to ``typing.Optional``
spellings and imports only pulumi_policy and the standard library.
"""

from __future__ import annotations

import functools
import os
import runpy
import sys
import threading
import types
from typing import Any, Callable, Optional

from pulumi_policy import policy as _sdk

# The module the SDK converts with (google.protobuf.json_format), taken from the SDK itself. If install()
# already ran, the SDK's name points at our view; the view keeps the real module.
json_format = getattr(_sdk.json_format, "_chatpdd_original", _sdk.json_format)  # type: ignore[attr-defined]  # private to the SDK
_local = threading.local()
_installed = False


def message_to_dict(message: Any, *args: Any, **kwargs: Any) -> Any:
    """``json_format.MessageToDict``, memoised by message identity inside a request scope."""
    memo: Optional[dict[int, tuple[Any, Any]]] = getattr(_local, "memo", None)
    if memo is None or args or kwargs:
        return json_format.MessageToDict(message, *args, **kwargs)
    hit = memo.get(id(message))
    if hit is not None and hit[0] is message:
        return hit[1]
    result = json_format.MessageToDict(message)
    memo[id(message)] = (message, result)
    return result


class request_scope:  # noqa: N801 - used like a function: ``with request_scope(): ...``
    """Memoise ``message_to_dict`` on this thread until the block exits (re-entrant)."""

    def __enter__(self) -> request_scope:
        self._outer = getattr(_local, "memo", None)
        _local.memo = {}
        return self

    def __exit__(self, *exc: Any) -> None:
        _local.memo = self._outer


def _scoped(method: Callable[..., Any]) -> Callable[..., Any]:
    @functools.wraps(method)
    def handler(self: Any, request: Any, context: Any) -> Any:
        with request_scope():
            return method(self, request, context)

    handler.__chatpdd_memo__ = True  # type: ignore[attr-defined]
    return handler


def _json_format_view() -> types.ModuleType:
    """A stand-in for the ``json_format`` module: every attribute of the real one, but
    ``MessageToDict`` memoised."""
    view = types.ModuleType(json_format.__name__, json_format.__doc__)
    view.__dict__.update({k: v for k, v in vars(json_format).items() if not k.startswith("__")})
    view.MessageToDict = message_to_dict  # type: ignore[attr-defined]
    view._chatpdd_original = json_format  # type: ignore[attr-defined]
    return view


def install() -> None:
    """Make the SDK's servicer convert each message once per request. Idempotent."""
    global _installed
    if _installed:
        return
    servicer = getattr(_sdk, "_PolicyAnalyzerServicer", None)
    if servicer is None or not hasattr(_sdk, "json_format") or not all(
            callable(getattr(servicer, n, None)) for n in ("Analyze", "AnalyzeStack")):
        # A pulumi-policy whose internals moved: run it as shipped (slower, same verdicts) rather than
        # fail to start and block every preview over an optimisation. stdout carries the port: warn on stderr.
        print("gate pack launcher: pulumi-policy internals changed; running without the conversion memo",
              file=sys.stderr)
        return
    for name in ("Analyze", "AnalyzeStack"):
        method = getattr(servicer, name)
        if not getattr(method, "__chatpdd_memo__", False):
            setattr(servicer, name, _scoped(method))
    _sdk.json_format = _json_format_view()
    _installed = True


def uninstall() -> None:
    """Undo :func:`install` (tests compare the pack with and without the memo)."""
    global _installed
    servicer = _sdk._PolicyAnalyzerServicer
    for name in ("Analyze", "AnalyzeStack"):
        method = getattr(servicer, name)
        if getattr(method, "__chatpdd_memo__", False):
            setattr(servicer, name, method.__wrapped__)
    _sdk.json_format = getattr(_sdk.json_format, "_chatpdd_original", _sdk.json_format)  # type: ignore[attr-defined]
    _installed = False


def launch(argv: list[str]) -> None:
    """Install the memo, then run ``python -m pulumi.policy <argv>`` in this process, as the CLI would."""
    here = os.path.dirname(os.path.abspath(__file__))
    # A script's directory is sys.path[0]: drop gate/pack/ so the pack sees the import path the CLI gives it.
    sys.path[:] = [p for p in sys.path if os.path.abspath(p or ".") != here]
    install()
    sys.argv = ["pulumi.policy", *argv]
    runpy.run_module("pulumi.policy", run_name="__main__", alter_sys=True)


if __name__ == "__main__":
    launch(sys.argv[1:])
