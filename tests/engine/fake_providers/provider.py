"""A hermetic stand-in for a Pulumi resource provider plugin (``aws``, ``vercel``, ``rediscloud``, ``random``).

The engine starts ``pulumi-resource-<pkg>`` from PATH (ambient plugins; any version is accepted there)
and talks the provider gRPC protocol to it, exactly as to a real provider. Nothing here reaches a
network: resources live only in the engine's state.

Behaviour, chosen to be what the engine tests need to be faithful about:

- ``CheckConfig`` / ``Configure`` / ``Check`` echo their inputs (no defaults, no validation: the program
  and the policy pack are what is under test, not the provider schema);
- ``Diff`` compares old and new inputs and reports a replacement for the inputs in
  ``gate.review.replacements.REPLACE_ON_CHANGE`` (the table the change review uses);
- ``Create`` returns the inputs plus the computed outputs ``gate.program.mocks.RealisticMocks`` gives the offline
  gate (ids, ARNs, endpoints) -- one source of "what a provider answers" for both sides; during a preview
  the computed outputs are unknown, as a real provider's are;
- invokes answer what ``RealisticMocks.call`` answers, with the account and region of the provider's
  configuration.
"""

from __future__ import annotations

import json
import sys
from concurrent import futures
from pathlib import Path
from typing import Any

REPO_ROOT = Path(__file__).resolve().parents[3]
if str(REPO_ROOT) not in sys.path:
    sys.path.insert(0, str(REPO_ROOT))

import grpc  # noqa: E402
from google.protobuf import empty_pb2, json_format, struct_pb2  # noqa: E402
from pulumi.runtime import mocks as pulumi_mocks  # noqa: E402
from pulumi.runtime.proto import plugin_pb2, provider_pb2, provider_pb2_grpc  # noqa: E402

from gate.program.mocks import RealisticMocks  # noqa: E402
from gate.program.program import UNKNOWN  # noqa: E402
from gate.review.replacements import REPLACE_ON_CHANGE  # noqa: E402

PACKAGES = ("aws", "vercel", "rediscloud", "random")
# Used only when a provider is configured without an account or region (vercel, rediscloud, random).
DEFAULT_ACCOUNT, DEFAULT_REGION = "111122223333", "us-east-1"


def to_dict(struct: struct_pb2.Struct) -> dict[str, Any]:
    """Wire properties as plain Python (secrets, unknowns and resource references keep their envelopes)."""
    return json_format.MessageToDict(struct, preserving_proto_field_name=True)


def to_struct(value: dict[str, Any]) -> struct_pb2.Struct:
    out = struct_pb2.Struct()
    out.update(value)
    return out


def type_and_name(urn: str) -> tuple[str, str]:
    """``urn:pulumi:<stack>::<project>::<parent types$>...<type>::<name>`` -> (type, name)."""
    qualified_type, name = urn.split("::")[2:4]
    return qualified_type.split("$")[-1], name


def unwrap(value: Any) -> Any:
    """The plain value under a secret envelope (the mocks derive names and ids from plain values)."""
    if isinstance(value, dict):
        if value.get("4dabf18193072939515e22adb298388d") == "1b47061264138c4ac30d75fd1eb44270":
            return unwrap(value.get("value"))
        return {k: unwrap(v) for k, v in value.items()}
    if isinstance(value, list):
        return [unwrap(v) for v in value]
    return value


class FakeProvider(provider_pb2_grpc.ResourceProviderServicer):
    def __init__(self, package: str) -> None:
        self.package = package
        self.mocks = RealisticMocks(DEFAULT_ACCOUNT, DEFAULT_REGION)

    # -- configuration -----------------------------------------------------------------------------
    def GetPluginInfo(self, request: empty_pb2.Empty, context: grpc.ServicerContext) -> plugin_pb2.PluginInfo:
        return plugin_pb2.PluginInfo(version="0.0.0-fake")

    def GetSchema(self, request: Any, context: grpc.ServicerContext) -> provider_pb2.GetSchemaResponse:
        return provider_pb2.GetSchemaResponse(schema=f'{{"name": "{self.package}", "version": "0.0.0-fake"}}')

    def CheckConfig(self, request: provider_pb2.CheckRequest, context: grpc.ServicerContext) -> provider_pb2.CheckResponse:
        return provider_pb2.CheckResponse(inputs=request.news)

    def DiffConfig(self, request: provider_pb2.DiffRequest, context: grpc.ServicerContext) -> provider_pb2.DiffResponse:
        return self._diff(request, replace_on=())

    def Configure(self, request: provider_pb2.ConfigureRequest,
                  context: grpc.ServicerContext) -> provider_pb2.ConfigureResponse:
        args = unwrap(to_dict(request.args))
        accounts = args.get("allowedAccountIds") or [DEFAULT_ACCOUNT]
        if isinstance(accounts, str):
            # A provider resource's non-string inputs arrive JSON-encoded (how the SDK serialises provider config).
            accounts = json.loads(accounts)
        self.mocks = RealisticMocks(str(accounts[0]), str(args.get("region") or DEFAULT_REGION))
        return provider_pb2.ConfigureResponse(acceptSecrets=True, supportsPreview=True, acceptResources=True,
                                              acceptOutputs=False)

    # -- invokes -----------------------------------------------------------------------------------
    def Invoke(self, request: provider_pb2.InvokeRequest, context: grpc.ServicerContext) -> provider_pb2.InvokeResponse:
        args = pulumi_mocks.MockCallArgs(token=request.tok, args=unwrap(to_dict(request.args)), provider="")
        try:
            result = self.mocks.call(args)
        except NotImplementedError as err:
            context.abort(grpc.StatusCode.UNIMPLEMENTED, str(err))
        return provider_pb2.InvokeResponse(**{"return": to_struct(result)})

    # -- resources ---------------------------------------------------------------------------------
    def Check(self, request: provider_pb2.CheckRequest, context: grpc.ServicerContext) -> provider_pb2.CheckResponse:
        return provider_pb2.CheckResponse(inputs=request.news)

    def Diff(self, request: provider_pb2.DiffRequest, context: grpc.ServicerContext) -> provider_pb2.DiffResponse:
        typ, _ = type_and_name(request.urn)
        return self._diff(request, replace_on=REPLACE_ON_CHANGE.get(typ, ()))

    def _diff(self, request: provider_pb2.DiffRequest, replace_on: tuple[str, ...]) -> provider_pb2.DiffResponse:
        olds = to_dict(request.old_inputs) if request.HasField("old_inputs") else to_dict(request.olds)
        news = to_dict(request.news)
        ignored = {path.split(".")[0].split("[")[0] for path in request.ignoreChanges}
        changed = sorted(k for k in set(olds) | set(news) if k not in ignored and olds.get(k) != news.get(k))
        replaces = [k for k in changed if k in replace_on]
        return provider_pb2.DiffResponse(
            changes=provider_pb2.DiffResponse.DIFF_SOME if changed else provider_pb2.DiffResponse.DIFF_NONE,
            diffs=changed, replaces=replaces)

    def _computed(self, urn: str, inputs: dict[str, Any]) -> tuple[str, dict[str, Any]]:
        typ, name = type_and_name(urn)
        plain = unwrap(inputs)
        rid, answer = self.mocks.new_resource(pulumi_mocks.MockResourceArgs(
            typ=typ, name=name, inputs=plain, provider="", resource_id="", custom=True))
        # The inputs (with their secret envelopes) win over the mocks' echo of them; the mocks add
        # what a provider computes.
        computed = {k: v for k, v in answer.items() if k not in inputs}
        return rid, {**computed, **inputs}

    def Create(self, request: provider_pb2.CreateRequest, context: grpc.ServicerContext) -> provider_pb2.CreateResponse:
        inputs = to_dict(request.properties)
        rid, outputs = self._computed(request.urn, inputs)
        if request.preview:
            # A real provider knows neither the id nor computed attributes before it creates.
            outputs = {k: (v if k in inputs else UNKNOWN) for k, v in outputs.items()}
            return provider_pb2.CreateResponse(id="", properties=to_struct(outputs))
        return provider_pb2.CreateResponse(id=rid, properties=to_struct(outputs))

    def Read(self, request: provider_pb2.ReadRequest, context: grpc.ServicerContext) -> provider_pb2.ReadResponse:
        # Nothing drifts outside the engine here: the resource is what the state says.
        return provider_pb2.ReadResponse(id=request.id, properties=request.properties, inputs=request.inputs)

    def Update(self, request: provider_pb2.UpdateRequest, context: grpc.ServicerContext) -> provider_pb2.UpdateResponse:
        news = to_dict(request.news)
        olds = to_dict(request.olds)
        _, fresh = self._computed(request.urn, news)
        # Computed outputs stay what they were (an ARN does not change in place); new inputs win.
        outputs = {**fresh, **{k: v for k, v in olds.items() if k not in news}, **news}
        return provider_pb2.UpdateResponse(properties=to_struct(outputs))

    def Delete(self, request: provider_pb2.DeleteRequest, context: grpc.ServicerContext) -> empty_pb2.Empty:
        return empty_pb2.Empty()

    def Cancel(self, request: empty_pb2.Empty, context: grpc.ServicerContext) -> empty_pb2.Empty:
        return empty_pb2.Empty()


def serve(package: str) -> None:
    server = grpc.server(futures.ThreadPoolExecutor(max_workers=4))
    provider_pb2_grpc.add_ResourceProviderServicer_to_server(FakeProvider(package), server)
    port = server.add_insecure_port("127.0.0.1:0")
    server.start()
    # The engine reads the port from the plugin's first line of stdout.
    print(port, flush=True)
    server.wait_for_termination()


def main(argv: list[str]) -> int:
    if len(argv) < 2 or argv[1] not in PACKAGES:
        print(f"usage: provider.py <{'|'.join(PACKAGES)}> [engine address]", file=sys.stderr)
        return 2
    serve(argv[1])
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
