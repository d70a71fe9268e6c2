// Command pulumi-language-python is the engine tests' Python language host.
//
// Why ours: the published host lives in its own Go module
// (github.com/pulumi/pulumi/sdk/python/cmd/pulumi-language-python/v3) that the Go module proxy does
// not serve here, so it cannot be built the way the CLI is. This host is deliberately thin and
// delegates every decision the engine tests are about to the pinned `sdk/v3` module, the same code
// the published host calls:
//   - which Python runs (the project's `runtime.options.virtualenv`, `.venv`, toolchain pip/uv/poetry):
//     toolchain.ResolveToolchain + ValidateVenv;
//   - what the program sees: the `pulumi-language-python-exec` shim shipped in the sdk/v3 module
//     (copied next to this binary by `make engine`), given the engine's Run arguments and
//     PULUMI_CONFIG / PULUMI_CONFIG_SECRET_KEYS;
//   - how a policy pack starts: `python -u -m pulumi.policy <args> <pack dir>` behind the SDK's
//     PolicyProxy, which hands the pack its stack configuration.
//
// What it leaves out (the engine tests do not need it, and a missing method answers Unimplemented):
// code generation, dependency installation, `pulumi about`, debugging, and GetRequiredPackages
// (so the engine loads provider plugins on first use instead of up front).
package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"runtime/debug"
	"strconv"
	"sync"
	"syscall"
	"time"

	sdk "github.com/pulumi/pulumi/sdk/v3"
	"github.com/pulumi/pulumi/sdk/v3/go/common/apitype"
	"github.com/pulumi/pulumi/sdk/v3/go/common/util/rpcutil"
	pulumirpc "github.com/pulumi/pulumi/sdk/v3/proto/go"
	"github.com/pulumi/pulumi/sdk/v3/python/toolchain"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/types/known/emptypb"
)

// The program exits with this code after it has printed an error the user can act on; the engine
// then shows no second error (the contract of the exec shim).
const exitAfterActionableMessage = 32

const execShim = "pulumi-language-python-exec"

func main() {
	showVersion := flag.Bool("version", false, "print the plugin version and exit")
	flag.String("tracing", "", "accepted for compatibility; tracing is not emitted")
	flag.Parse()
	if *showVersion {
		fmt.Println(sdkVersion())
		return
	}

	self, err := os.Executable()
	if err != nil {
		fail("cannot locate this executable: %v", err)
	}
	shim := filepath.Join(filepath.Dir(self), execShim)
	if _, err := os.Stat(shim); err != nil {
		fail("missing %s next to %s (make engine copies it there): %v", execShim, self, err)
	}

	h := &host{shim: shim}
	if flag.NArg() > 0 {
		h.setEngine(flag.Arg(0))
	}

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	cancel := make(chan bool)
	go func() {
		<-ctx.Done()
		close(cancel)
	}()

	handle, err := rpcutil.ServeWithOptions(rpcutil.ServeOptions{
		Cancel: cancel,
		Init: func(srv *grpc.Server) error {
			pulumirpc.RegisterLanguageRuntimeServer(srv, h)
			return nil
		},
	})
	if err != nil {
		fail("cannot serve the language host: %v", err)
	}
	// The engine reads the port from the first line of stdout.
	fmt.Printf("%d\n", handle.Port)
	if err := <-handle.Done; err != nil {
		fail("language host stopped: %v", err)
	}
}

func fail(format string, args ...any) {
	fmt.Fprintf(os.Stderr, "pulumi-language-python: "+format+"\n", args...)
	os.Exit(1)
}

// sdkVersion is the pinned sdk/v3 module version this host was built with (go.mod is its only source).
func sdkVersion() string {
	if info, ok := debug.ReadBuildInfo(); ok {
		for _, dep := range info.Deps {
			if dep.Path == "github.com/pulumi/pulumi/sdk/v3" {
				return dep.Version[1:] // "v3.x.y" -> "3.x.y"
			}
		}
	}
	return "0.0.0"
}

type host struct {
	pulumirpc.UnimplementedLanguageRuntimeServer

	shim string

	mu     sync.Mutex
	engine string
}

func (h *host) setEngine(addr string) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.engine = addr
}

func (h *host) engineAddr() string {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.engine
}

func (h *host) Handshake(
	_ context.Context, req *pulumirpc.LanguageHandshakeRequest,
) (*pulumirpc.LanguageHandshakeResponse, error) {
	h.setEngine(req.GetEngineAddress())
	return &pulumirpc.LanguageHandshakeResponse{}, nil
}

func (h *host) GetPluginInfo(context.Context, *emptypb.Empty) (*pulumirpc.PluginInfo, error) {
	return &pulumirpc.PluginInfo{Version: sdkVersion()}, nil
}

// No up-front plugin list: the engine starts each provider when the program first needs it.
func (h *host) GetRequiredPlugins(
	context.Context, *pulumirpc.GetRequiredPluginsRequest,
) (*pulumirpc.GetRequiredPluginsResponse, error) {
	return &pulumirpc.GetRequiredPluginsResponse{}, nil
}

func (h *host) GetRequiredPackages(
	context.Context, *pulumirpc.GetRequiredPackagesRequest,
) (*pulumirpc.GetRequiredPackagesResponse, error) {
	return &pulumirpc.GetRequiredPackagesResponse{}, nil
}

// pythonOptions reads the runtime options (Pulumi.yaml / PulumiPolicy.yaml `runtime.options`) the way
// the toolchain package expects them. Unknown options are ignored, as the published host does.
func pythonOptions(info *pulumirpc.ProgramInfo, isPlugin bool) (toolchain.PythonOptions, error) {
	opts := toolchain.PythonOptions{Root: info.GetRootDirectory(), ProgramDir: info.GetProgramDirectory()}
	raw := info.GetOptions().AsMap()
	if v, ok := raw["virtualenv"]; ok {
		s, ok := v.(string)
		if !ok {
			return opts, errors.New("runtime option virtualenv must be a string")
		}
		opts.Virtualenv = s
	}
	if v, ok := raw["toolchain"]; ok {
		switch v {
		case "pip":
			opts.Toolchain = toolchain.Pip
		case "uv":
			opts.Toolchain = toolchain.Uv
		case "poetry":
			opts.Toolchain = toolchain.Poetry
		default:
			return opts, fmt.Errorf("runtime option toolchain: unsupported value %v", v)
		}
	}
	// Plugins (not programs, not policy packs) never run in the ambient Python: default to ./venv.
	if isPlugin && opts.Virtualenv == "" &&
		(opts.Toolchain == toolchain.Pip || opts.Toolchain == toolchain.Auto) {
		opts.Virtualenv = "venv"
	}
	return opts, nil
}

func (h *host) Run(ctx context.Context, req *pulumirpc.RunRequest) (*pulumirpc.RunResponse, error) {
	engine := h.engineAddr()
	if engine == "" {
		return nil, errors.New("no engine address: the engine must pass it or call Handshake first")
	}
	opts, err := pythonOptions(req.GetInfo(), false)
	if err != nil {
		return nil, err
	}
	tc, err := toolchain.ResolveToolchain(opts)
	if err != nil {
		return nil, err
	}
	if err := tc.ValidateVenv(ctx); err != nil {
		return nil, err
	}

	args := []string{h.shim}
	flagArg := func(name, value string) {
		if value != "" {
			args = append(args, "--"+name, value)
		}
	}
	flagArg("monitor", req.GetMonitorAddress())
	flagArg("engine", engine)
	flagArg("project", req.GetProject())
	flagArg("root_directory", req.GetInfo().GetRootDirectory())
	flagArg("stack", req.GetStack())
	flagArg("pwd", req.GetPwd())
	flagArg("dry_run", strconv.FormatBool(req.GetDryRun()))
	flagArg("parallel", strconv.Itoa(int(req.GetParallel())))
	flagArg("organization", req.GetOrganization())
	args = append(args, req.GetInfo().GetEntryPoint())
	args = append(args, req.GetArgs()...)

	cmd, err := tc.Command(ctx, args...)
	if err != nil {
		return nil, err
	}
	cmd.Stdout, cmd.Stderr = os.Stdout, os.Stderr
	cmd.WaitDelay = 5 * time.Second
	cmd.Cancel = func() error { return cmd.Process.Signal(os.Interrupt) }
	env := cmd.Env
	if env == nil {
		env = os.Environ()
	}
	config, err := json.Marshal(req.GetConfig())
	if err != nil {
		return nil, fmt.Errorf("serialising configuration: %w", err)
	}
	secretKeys := req.GetConfigSecretKeys()
	if secretKeys == nil {
		secretKeys = []string{}
	}
	keys, err := json.Marshal(secretKeys)
	if err != nil {
		return nil, fmt.Errorf("serialising secret configuration keys: %w", err)
	}
	cmd.Env = append(env, "PULUMI_CONFIG="+string(config), "PULUMI_CONFIG_SECRET_KEYS="+string(keys))

	if err := cmd.Run(); err != nil {
		// Flush what the program printed before failing fast, so the engine shows it.
		_ = os.Stdout.Sync()
		_ = os.Stderr.Sync()
		var exitErr *exec.ExitError
		if errors.As(err, &exitErr) {
			if exitErr.ExitCode() == exitAfterActionableMessage {
				return &pulumirpc.RunResponse{Bail: true}, nil
			}
			return &pulumirpc.RunResponse{
				Error: fmt.Sprintf("program exited with non-zero exit code: %d", exitErr.ExitCode()),
			}, nil
		}
		return &pulumirpc.RunResponse{Error: fmt.Sprintf("could not run the program: %v", err)}, nil
	}
	return &pulumirpc.RunResponse{}, nil
}

// RunPlugin starts a Python policy pack (kind analyzer): the only plugin kind the engine tests run
// through a language host (the fake providers are executables on PATH).
func (h *host) RunPlugin(
	req *pulumirpc.RunPluginRequest, server pulumirpc.LanguageRuntime_RunPluginServer,
) error {
	if req.GetKind() != string(apitype.AnalyzerPlugin) {
		return status.Errorf(codes.Unimplemented, "this host runs policy packs only, not %q plugins", req.GetKind())
	}
	ctx := server.Context()
	opts, err := pythonOptions(req.GetInfo(), false)
	if err != nil {
		return err
	}
	tc, err := toolchain.ResolveToolchain(opts)
	if err != nil {
		return err
	}
	args := append([]string{"-u", "-m", "pulumi.policy"}, req.GetArgs()...)
	args = append(args, req.GetInfo().GetProgramDirectory())
	cmd, err := tc.Command(ctx, args...)
	if err != nil {
		return err
	}
	// Python packs have always run from their own directory.
	cmd.Dir = req.GetInfo().GetProgramDirectory()

	closer, stdout, stderr, err := rpcutil.MakeRunPluginStreams(server, false)
	if err != nil {
		return err
	}
	defer closer.Close()

	// The pack learns the stack (and its configuration) from the engine's ConfigureStack call, which
	// only reaches the pack's port once it runs: the proxy answers it first and passes it on as env.
	proxy, stdout, err := sdk.NewPolicyProxy(ctx, stdout)
	if err != nil {
		return fmt.Errorf("starting the policy pack proxy: %w", err)
	}
	stackConfig, err := proxy.AwaitConfiguration(ctx)
	if err != nil {
		return fmt.Errorf("waiting for the stack configuration: %w", err)
	}
	if cmd.Env == nil {
		cmd.Env = os.Environ()
	}
	if stackConfig != nil {
		setEnv := func(k, v string) {
			if v != "" {
				cmd.Env = append(cmd.Env, k+"="+v)
			}
		}
		setEnv("PULUMI_ORGANIZATION", stackConfig.GetOrganization())
		setEnv("PULUMI_PROJECT", stackConfig.GetProject())
		setEnv("PULUMI_STACK", stackConfig.GetStack())
		setEnv("PULUMI_DRY_RUN", strconv.FormatBool(stackConfig.GetDryRun()))
		if stackConfig.GetConfig() != nil {
			raw, err := json.Marshal(stackConfig.GetConfig())
			if err != nil {
				return fmt.Errorf("serialising the stack configuration: %w", err)
			}
			setEnv("PULUMI_CONFIG", string(raw))
		}
	}
	cmd.Env = append(cmd.Env, req.GetEnv()...)
	cmd.Stdout, cmd.Stderr = stdout, stderr

	if err := cmd.Start(); err != nil {
		return fmt.Errorf("starting the policy pack: %w", err)
	}
	// Attach waits for the pack to print its port, proxies to it, and waits for it to exit.
	if err := proxy.Attach(ctx, cmd); err != nil {
		var exitErr *exec.ExitError
		if errors.As(err, &exitErr) {
			if ws, ok := exitErr.Sys().(syscall.WaitStatus); ok {
				return server.Send(&pulumirpc.RunPluginResponse{
					Output: &pulumirpc.RunPluginResponse_Exitcode{Exitcode: int32(ws.ExitStatus())},
				})
			}
		}
		return fmt.Errorf("policy pack: %w", err)
	}
	return closer.Close()
}
