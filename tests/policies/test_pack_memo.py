"""The gate's per-request conversion memo (gate/pack/pack_memo.py, the launcher the offline gate starts the pack
through; the pack itself runs pulumi-policy as shipped) changes no verdict and never lets two messages share a result -- also under concurrent requests -- and the
per-call type index of the stack helpers (_util.resources_by_type) returns what a scan returns.

The servicer runs in-process behind :class:`gate.pack.analyzer.PolicyPackProcess` (its gRPC stub replaced by
one that round-trips every request and response through bytes, as the transport does), so requests are
built by the gate's own client code; one test drives the real pack process as well."""

from __future__ import annotations

import json
import subprocess
import threading
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from types import SimpleNamespace

import pytest
from chatpdd_policies import ALL_POLICIES
from chatpdd_policies._util import resources_by_type, resources_of_type
from google.protobuf import json_format, struct_pb2
from pulumi_policy import EnforcementLevel, StackValidationArgs
from pulumi_policy import policy as sdk

from gate.pack import pack_memo
from gate.pack.analyzer import PACK_LAUNCHER, AnalyzeResult, AnalyzerResource, PolicyPackProcess, pack_interpreter
from gate.pack.pack_session import to_analyzer
from tests.policies import fixtures as f
from tests.policies.harness import POLICIES_DIR, UNKNOWN_BOOL, _policy_resources, secret, with_props

PRODUCTION_CONFIG = json.loads((POLICIES_DIR / "config" / "production.json").read_text())


class _InProcessStub:
    """The Analyzer stub, served by an in-process servicer; bytes in, bytes out, like gRPC."""

    def __init__(self, servicer: sdk._PolicyAnalyzerServicer):
        self._servicer = servicer

    def __getattr__(self, method: str):
        def call(request, timeout=None):
            wire = type(request).FromString(request.SerializeToString())
            response = getattr(self._servicer, method)(wire, None)
            return type(response).FromString(response.SerializeToString())
        return call


def _in_process_pack() -> PolicyPackProcess:
    pack = PolicyPackProcess(POLICIES_DIR)
    pack._stub = _InProcessStub(sdk._PolicyAnalyzerServicer(
        "chatpdd-guardrails", "0.0.1", ALL_POLICIES, EnforcementLevel.MANDATORY))
    pack.configure(PRODUCTION_CONFIG, source="production.json")
    return pack


def _key(result: AnalyzeResult) -> list:
    return ([(d.policy_name, d.urn, d.enforcement_level, d.severity, d.message) for d in result.diagnostics]
            + [("n/a", name, reason) for name, reason in result.not_applicable])


def _per_resource(pack: PolicyPackProcess, resources: list[AnalyzerResource], threads: int = 0) -> list:
    """Analyze for every resource (``threads`` > 0: concurrently), then AnalyzeStack."""
    if threads:
        with ThreadPoolExecutor(threads) as pool:
            results = list(pool.map(pack.analyze, resources))
    else:
        results = [pack.analyze(r) for r in resources]
    return [_key(r) for r in results] + [_key(pack.analyze_stack(resources))]


@pytest.fixture
def without_memo():
    pack_memo.uninstall()
    yield
    pack_memo.uninstall()


@pytest.fixture
def with_memo():
    pack_memo.install()
    yield
    pack_memo.uninstall()


def _run(resources: list[AnalyzerResource], memo: bool, threads: int = 0) -> list:
    (pack_memo.install if memo else pack_memo.uninstall)()
    try:
        return _per_resource(_in_process_pack(), resources, threads)
    finally:
        pack_memo.uninstall()


@pytest.fixture(scope="module")
def production_resources(production_run) -> list[AnalyzerResource]:
    return [to_analyzer(r) for r in production_run.resources]


def _violating() -> list[AnalyzerResource]:
    """The compliant fixture set with violations of resource policies (public, unknown, secret with TLS
    off), a stack policy (the primary's key dependency dropped) and a missing replica."""
    primary = with_props(f.PRIMARY, publiclyAccessible=True, multiAz=UNKNOWN_BOOL)
    primary.property_dependencies.pop("kmsKeyId")
    redis = with_props(f.REDIS_DB, password=secret("s3cr3t-value"), enableTls=False)
    keep = [r for r in f.ALL if r.urn != f.REPLICA.urn]
    return [primary if r.urn == f.PRIMARY.urn else redis if r.urn == f.REDIS_DB.urn else r for r in keep]


# --- same verdicts -------------------------------------------------------------------------------------

def test_production_resources_same_diagnostics_with_and_without_memo(production_resources):
    plain = _run(production_resources, memo=False)
    memo = _run(production_resources, memo=True)
    assert memo == plain
    assert sum(map(len, plain)) > 0  # not-applicable entries at least: the comparison is not vacuous


def test_violating_set_same_diagnostics_with_and_without_memo():
    resources = _violating()
    plain = _run(resources, memo=False)
    assert _run(resources, memo=True) == plain
    flat = [entry for result in plain for entry in result]
    policies = {entry[0] for entry in flat}
    assert {"aws-rds-instance-disallow-public-access", "aws-rds-instance-enable-multi-az",
            "rediscloud-subscription-database-enable-tls", "aws-rds-instance-configure-read-replicas",
            "aws-rds-instance-enable-storage-encryption"} <= policies
    assert all("s3cr3t-value" not in str(entry) for entry in flat)


def test_concurrent_analyze_same_diagnostics(production_resources):
    """Eight requests in flight on four-plus threads (as the gate and the engine send them)."""
    plain = _run(production_resources, memo=False)
    assert _run(production_resources, memo=True, threads=8) == plain


def test_real_pack_process_matches_the_sdk_without_memo(production_resources):
    """The pack as the gate starts it (through the launcher, with the memo), over gRPC, concurrently; and
    as the CLI starts it (``python -m pulumi.policy``, pulumi-policy as shipped)."""
    plain = _run(production_resources, memo=False)
    for memo in (True, False):
        with PolicyPackProcess(POLICIES_DIR, memo=memo) as pack:
            pack.configure(PRODUCTION_CONFIG, source="production.json")
            assert _per_resource(pack, production_resources, threads=8) == plain
            assert "internals changed" not in pack.stderr_text()


def test_the_pack_runs_the_sdk_as_shipped():
    """``pulumi preview/up --policy-pack policies`` patches nothing: the pack neither imports nor installs
    the memo; only the gate's launcher does."""
    assert not any("pack_memo" in p.read_text() or "_speedups" in p.read_text() for p in POLICIES_DIR.rglob("*.py"))
    assert PolicyPackProcess(POLICIES_DIR).command()[-1] == str(PACK_LAUNCHER)
    assert PolicyPackProcess(POLICIES_DIR, memo=False).command()[-2:] == ["-m", "pulumi.policy"]


def test_launcher_installs_the_memo_then_runs_the_pack_as_the_cli_would(tmp_path):
    """The launcher runs ``pulumi.policy`` with the CLI's arguments after installing the memo, and the pack
    sees the import path the CLI gives it (the launcher's own directory, gate/, is not on it)."""
    (tmp_path / "__main__.py").write_text(
        "import json, sys\n"
        "from pulumi_policy import policy\n"
        "print(json.dumps({'memo': getattr(policy._PolicyAnalyzerServicer.Analyze, '__chatpdd_memo__', False),\n"
        "                  'argv': sys.argv, 'path': sys.path}))\n")
    # A stand-in pack without a PulumiPolicy.yaml: it runs with the real pack's interpreter.
    pack = PolicyPackProcess(tmp_path, pack_interpreter(Path(__file__).resolve().parents[2] / "policies"))
    proc = subprocess.run([*pack.command(), "127.0.0.1:0", str(tmp_path)], cwd=tmp_path, env=pack._child_env(),
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    seen = json.loads(proc.stdout.strip().splitlines()[-1])
    assert seen["memo"] is True
    assert str(PACK_LAUNCHER.parent) not in seen["path"]
    assert str(Path(__file__).resolve().parents[2]) not in seen["path"]  # nor the repository root


# --- the memo's scope ----------------------------------------------------------------------------------

def _struct(value: dict) -> struct_pb2.Struct:
    return json_format.ParseDict(value, struct_pb2.Struct())


def _counting(converted: list):
    def message_to_dict(message, *args, **kwargs):
        converted.append(message)
        return json_format.MessageToDict(message, *args, **kwargs)
    return SimpleNamespace(MessageToDict=message_to_dict)


def test_sdk_converts_per_policy_without_the_memo(monkeypatch, without_memo):
    """The hypothesis the memo rests on: the SDK converts the same properties once per policy."""
    converted: list = []
    pack = _in_process_pack()
    monkeypatch.setattr(sdk, "json_format", _counting(converted))
    pack.analyze(f.PRIMARY)
    resource_policies = sum(isinstance(p, sdk.ResourceValidationPolicy) for p in ALL_POLICIES)
    assert len(converted) >= resource_policies > 1


def test_each_message_is_converted_once_per_request(monkeypatch, with_memo):
    converted: list = []
    pack = _in_process_pack()
    monkeypatch.setattr(pack_memo, "json_format", _counting(converted))
    pack.analyze(f.PRIMARY)
    assert len(converted) == 1 + (f.PRIMARY.provider is not None)  # properties (+ provider properties)
    converted.clear()
    pack.analyze_stack(f.ALL)
    assert len(converted) == len(f.ALL) + sum(r.provider is not None for r in f.ALL)
    assert len({id(m) for m in converted}) == len(converted)
    converted.clear()
    pack.analyze(f.PRIMARY)  # a new request converts again
    assert len(converted) == 1 + (f.PRIMARY.provider is not None)


def test_no_memo_outside_a_request(with_memo):
    message = _struct({"a": 1})
    first = pack_memo.message_to_dict(message)
    assert pack_memo.message_to_dict(message) is not first
    assert pack_memo.message_to_dict(message) == first


def test_memo_is_per_message_and_per_request(with_memo):
    a, b, same_as_a = _struct({"a": 1}), _struct({"b": [1, 2]}), _struct({"a": 1})
    with pack_memo.request_scope():
        ra = pack_memo.message_to_dict(a)
        assert pack_memo.message_to_dict(a) is ra
        rb = pack_memo.message_to_dict(b)
        assert rb == {"b": [1, 2]} and rb is not ra
        other = pack_memo.message_to_dict(same_as_a)  # equal content, another message: its own result
        assert other == ra and other is not ra
    with pack_memo.request_scope():  # the next request starts empty
        assert pack_memo.message_to_dict(a) is not ra


def test_memo_is_per_thread():
    """Two requests served at once on two threads never see each other's entries."""
    barrier = threading.Barrier(2)
    seen: dict[str, tuple] = {}

    def serve(name: str, message: struct_pb2.Struct) -> None:
        with pack_memo.request_scope():
            first = pack_memo.message_to_dict(message)
            barrier.wait()  # both scopes open now
            shared = pack_memo.message_to_dict(SHARED)
            barrier.wait()
            seen[name] = (first, pack_memo.message_to_dict(message), shared, pack_memo.message_to_dict(SHARED))

    SHARED = _struct({"shared": True})
    threads = [threading.Thread(target=serve, args=(n, _struct({"n": n}))) for n in ("x", "y")]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    (x1, x2, xs1, xs2), (y1, y2, ys1, ys2) = seen["x"], seen["y"]
    assert x1 is x2 and y1 is y2 and x1 == {"n": "x"} and y1 == {"n": "y"}
    assert xs1 is xs2 and ys1 is ys2 and xs1 is not ys1  # the same message, each request its own result


def test_memo_result_is_never_handed_to_a_policy(with_memo):
    """deserialize_properties copies every container: mutating what a policy gets leaves the memo intact."""
    message = _struct({"tags": {"Role": "x"}, "list": [{"a": 1}]})
    with pack_memo.request_scope():
        from pulumi_policy.deserialize import deserialize_properties

        given = deserialize_properties(sdk.json_format.MessageToDict(message))
        given["tags"]["Role"] = "changed"
        given["list"][0]["a"] = 2
        given["new"] = 1
        assert sdk.json_format.MessageToDict(message) == {"tags": {"Role": "x"}, "list": [{"a": 1.0}]}


def test_install_is_idempotent_and_uninstall_restores():
    pack_memo.uninstall()
    assert not getattr(sdk._PolicyAnalyzerServicer.Analyze, "__chatpdd_memo__", False)
    assert sdk.json_format is json_format
    pack_memo.install()
    wrapped = sdk._PolicyAnalyzerServicer.Analyze, sdk._PolicyAnalyzerServicer.AnalyzeStack, sdk.json_format
    pack_memo.install()
    assert (sdk._PolicyAnalyzerServicer.Analyze, sdk._PolicyAnalyzerServicer.AnalyzeStack, sdk.json_format) == wrapped
    assert sdk.json_format.MessageToDict is pack_memo.message_to_dict
    assert sdk.json_format.ParseDict is json_format.ParseDict  # everything else is the real module's
    pack_memo.uninstall()
    assert not getattr(sdk._PolicyAnalyzerServicer.Analyze, "__chatpdd_memo__", False)
    assert not getattr(sdk._PolicyAnalyzerServicer.AnalyzeStack, "__chatpdd_memo__", False)
    assert sdk.json_format is json_format


def test_sdk_is_left_as_found():
    """Runs after the tests above (file order): none of them leaked the memo or a patched module."""
    assert not getattr(sdk._PolicyAnalyzerServicer.Analyze, "__chatpdd_memo__", False)
    assert not getattr(sdk._PolicyAnalyzerServicer.AnalyzeStack, "__chatpdd_memo__", False)
    assert sdk.json_format is json_format and pack_memo.json_format is json_format


# --- the stack helpers' type index ---------------------------------------------------------------------

def test_resources_of_type_matches_a_scan():
    args = StackValidationArgs(_policy_resources(f.ALL + [with_props(f.REPLICA)]), None, {})
    for resource_type in {r.resource_type for r in args.resources} | {"no:such/type:Type"}:
        expected = [r for r in args.resources if r.resource_type == resource_type]
        got = resources_of_type(args, resource_type)
        assert got == expected and all(a is b for a, b in zip(got, expected, strict=True))
        got.append(None)  # a caller's list is its own
        assert resources_of_type(args, resource_type) == expected


def test_resources_by_type_is_per_call_and_follows_changes():
    args = StackValidationArgs(_policy_resources(f.ALL), None, {})
    assert resources_by_type(args) is resources_by_type(args)
    other = StackValidationArgs(_policy_resources(f.ALL), None, {})
    assert resources_by_type(other) is not resources_by_type(args)
    args.resources = args.resources[:1]
    assert sum(map(len, resources_by_type(args).values())) == 1


def test_install_falls_back_to_the_sdk_as_shipped_when_its_internals_moved(monkeypatch, capsys):
    # A future pulumi-policy without the servicer class must still run the pack (slower, same verdicts),
    # not refuse to start and block every preview.
    pack_memo.uninstall()
    try:
        monkeypatch.delattr(sdk, "_PolicyAnalyzerServicer")
        pack_memo.install()
        assert "running without the conversion memo" in capsys.readouterr().err
        assert not getattr(sdk.json_format, "_chatpdd_original", None)
    finally:
        monkeypatch.undo()
        pack_memo.uninstall()
