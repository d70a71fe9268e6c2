"""Runs the jobs of our GitHub workflows as written, on this machine: ``python -m tests.ci.workflow_runner``
(``make workflows``) and tests/ci/test_workflow_jobs.py.

Each job gets a fresh clone of the repository's HEAD (``git clone``, as actions/checkout gives a fresh
checkout) and GitHub's default environment (``CI=true``, ``GITHUB_ACTIONS=true``, ``GITHUB_WORKSPACE``,
``RUNNER_TEMP``, ``GITHUB_OUTPUT``, ``GITHUB_ENV``, ``GITHUB_STEP_SUMMARY``, ``GITHUB_SHA``, ...); its ``run:``
steps run in order with ``bash --noprofile --norc -eo pipefail`` (the workflows' ``shell: bash``), with the
step's ``env``, ``working-directory``, ``if:`` and ``continue-on-error`` evaluated as GitHub does
(tests/ci/expressions.py). Stood in -- and only these:

- ``uses:`` actions (:data:`ACTIONS`): checkout = a clone at the ref into ``path``; setup-python = the python3
  on PATH (its ``cache-dependency-path`` must match files, as the real action requires); setup-go = the go
  on PATH; cache = nothing; upload/download-artifact = a copy through the run's artifact folder; the
  comment, SARIF upload, github-script and credential actions = recorded, nothing sent.
- cloud and GitHub calls, as commands on PATH (:data:`SHIMS`): ``pulumi`` (login/preview/up/stack output
  answer like a stack with no changes, nothing is reached), ``gh`` (main's head is this commit; the PR is #1; the latest run of a workflow is #4243),
  ``sudo`` (we are root; GitHub's runners have password-less sudo); and ``python -m ops verify|snapshot|
  restore-drill`` (they call AWS), rewritten to a stand-in that prints what the job reads from them.

**Modes.** ``full`` runs everything else as written (``make setup`` installs ~800 MB, ``make test`` runs the
whole suite: minutes to an hour on a small machine). ``scoped`` (the test suite's) keeps every step but makes
the expensive ones cheap without changing what they prove: ``make setup``/``deploy-setup`` find this
checkout's virtualenvs linked into the clone (installed from the same locks), ``make engine`` finds its built
engine linked, ``make lint``/``actionlint``/``lock`` are dry runs (``make -n``: the target and its commands
exist), and every ``make test*`` runs with ``PYTEST_ARGS`` = :data:`SCOPE` -- one engine test and one cheap
suite -- so a job that runs the engine tests without ``make engine`` fails exactly as on GitHub (CI=true).
"""

from __future__ import annotations

import argparse
import itertools
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from tests.ci.expressions import Evaluator, condition, substitute

REPO = Path(__file__).resolve().parents[2]
WORKFLOWS = REPO / ".github" / "workflows"
# One engine test (it fails under CI=true without `make engine`) and one cheap suite (no program run).
SCOPE = "tests/engine/test_preview.py::test_preview_passes_the_pack tests/engine/test_engine_pin.py"
VENVS = (".venv", "policies/.venv", ".venv-checkov")
LOCKS = ("requirements.txt", "requirements-dev.txt", "policies/requirements.txt", "gate/requirements-checkov.txt")
FAKE_SECRETS = {"PULUMI_ACCESS_TOKEN": "pul-stand-in-token"}
FAKE_VARS = {"AWS_ROLE_ARN": "arn:aws:iam::111122223333:role/stand-in", "AWS_REGION": "us-east-1"}

SHIMS = {
    "pulumi": r"""#!/usr/bin/env bash
# stand-in for the Pulumi CLI: nothing is reached; answers like a stack with no changes
echo "pulumi $*" >> "$RUNNER_TEMP/stand-ins.log"
case " $* " in
  *" version "*) cat "$GITHUB_WORKSPACE/.pulumi-version" 2>/dev/null || echo v0.0.0 ;;
  *" stack output "*) echo '{"database": {"primary_identifier": "chatpdd-production-db"}, "app": {"base_url": "https://app.invalid"}}' ;;
  *" preview "*" --json "*|*" preview "*" -j "*)
    if [ "${PULUMI_ENABLE_STREAMING_JSON_PREVIEW:-}" = true ]; then
      echo '{"sequence":0,"summaryEvent":{"resourceChanges":{"same":165}}}'
    else
      echo '{"steps": [], "changeSummary": {"same": 165}, "diagnostics": []}'
    fi ;;
  *" preview "*) echo "Previewing update (stand-in): 165 unchanged" ;
    for a in "$@"; do case "$a" in --save-plan=*) echo '{}' > "${a#--save-plan=}";; esac; done
    prev=""; for a in "$@"; do [ "$prev" = "--save-plan" ] && echo '{}' > "$a"; prev="$a"; done ;;
  *) echo "pulumi (stand-in): $*" ;;
esac
""",
    "gh": r"""#!/usr/bin/env bash
# stand-in for the GitHub CLI: main's head is this run's commit, the pull request is #1, nothing is sent
echo "gh $*" >> "$RUNNER_TEMP/stand-ins.log"
case " $* " in
  *"/commits/main"*) echo "$GITHUB_SHA" ;;
  *"/artifacts"*) echo 4096 ;;
  *" pr list "*) echo 1 ;;
  *" run list "*) echo 4243 ;;
  *) : ;;
esac
""",
    "sudo": "#!/usr/bin/env bash\n# stand-in for password-less sudo (the runner is root)\nexec \"$@\"\n",
    "ops-stand-in": r"""#!/usr/bin/env bash
# stand-in for `python -m ops verify|snapshot|restore-drill` (they call AWS): what the job reads from them
echo "ops $*" >> "$RUNNER_TEMP/stand-ins.log"
case "$1" in
  snapshot) echo "snapshot_id=rds:chatpdd-production-db-predeploy-stand-in" ;;
  *) echo "ops $1 (stand-in): live AWS not reached" ;;
esac
""",
}
OPS_LINE = re.compile(r"(\S*python3?) -m ops (verify|snapshot|restore-drill)\b")


@dataclass
class StepResult:
    name: str
    outcome: str  # success | failure | skipped
    seconds: float
    log: str = ""


@dataclass
class JobResult:
    workflow: str
    job: str
    conclusion: str  # success | failure | skipped
    steps: list[StepResult] = field(default_factory=list)
    seconds: float = 0.0

    def describe(self) -> str:
        lines = [f"{self.workflow}:{self.job}: {self.conclusion} ({self.seconds:.0f} s)"]
        for s in self.steps:
            lines.append(f"  [{s.outcome}] {s.name} ({s.seconds:.1f} s)")
            if s.outcome == "failure":
                lines += [f"      {line}" for line in s.log.strip().splitlines()[-25:]]
        return "\n".join(lines)


@dataclass
class Run:
    """One workflow run: its event, mode, and the folders its jobs share (artifacts)."""
    workflow: Path
    event_name: str
    mode: str
    source: Path
    work: Path
    sha: str = ""
    results: dict[str, JobResult] = field(default_factory=dict)

    @property
    def artifacts(self) -> Path:
        """Shared by the workflows run into one parent folder (pr.yml's artifacts reach pr-report.yml)."""
        return self.work.parent / "artifacts"

    def event(self) -> dict[str, Any]:
        repo = {"full_name": "chatpdd/chatpdd-infra"}
        if self.event_name == "pull_request":
            return {"pull_request": {"number": 1, "base": {"sha": self.sha, "ref": "main", "repo": repo},
                                     "head": {"sha": self.sha, "ref": "feature", "repo": repo}}}
        if self.event_name == "workflow_run":
            return {"workflow_run": {"id": 4242, "event": "pull_request", "head_sha": self.sha, "name": "pr",
                                     "path": ".github/workflows/pr.yml", "head_branch": "feature",
                                     "conclusion": "success"}}
        return {}


def load(path: Path) -> dict[str, Any]:
    doc = yaml.safe_load(path.read_text())
    doc["on"] = doc.pop(True, doc.get("on"))
    return dict(doc)


def _shims(bin_dir: Path) -> None:
    bin_dir.mkdir(parents=True, exist_ok=True)
    for name, text in SHIMS.items():
        (bin_dir / name).write_text(text)
        (bin_dir / name).chmod(0o755)


def _clone(source: Path, dest: Path, ref: str | None) -> None:
    """A fresh checkout of ``ref`` (HEAD by default) of ``source``, as actions/checkout makes one."""
    dest.mkdir(parents=True, exist_ok=True)
    if any(dest.iterdir()):
        shutil.rmtree(dest)
    subprocess.run(["git", "clone", "--quiet", "--no-hardlinks", str(source), str(dest)], check=True)
    # a push goes to a scratch bare repository beside the clone, never back into the source checkout
    scratch = dest.parent / f".{dest.name or 'workspace'}-origin.git"
    subprocess.run(["git", "init", "--quiet", "--bare", str(scratch)], check=True)
    subprocess.run(["git", "-C", str(dest), "remote", "set-url", "origin", str(scratch)], check=True)
    if ref:
        subprocess.run(["git", "-C", str(dest), "checkout", "--quiet", "--detach", ref], check=True)


def _scoped_make(line: str, workspace: Path, cwd: Path, source: Path) -> str:
    """The scoped stand-in of one expensive ``make`` line (see the module docstring)."""
    target = line.split()[1] if len(line.split()) > 1 else ""
    if target in ("lint", "actionlint", "lock"):
        return f"make -n {target} >/dev/null"
    # every other target depends on setup: it finds the virtualenvs installed, as after `make setup`
    for venv in VENVS:
        link, real = cwd / venv, source / venv
        if real.exists() and not link.exists():
            link.parent.mkdir(parents=True, exist_ok=True)
            link.symlink_to(real.resolve())
    for lock in LOCKS:  # older than the linked venvs' markers: make finds them installed
        if (cwd / lock).exists():
            os.utime(cwd / lock, (0, 0))
    if target == "engine":
        if (source / ".build").exists() and not (cwd / ".build").exists():
            (cwd / ".build").symlink_to((source / ".build").resolve())
        return "make -n engine >/dev/null && ls .build/engine/bin/pulumi >/dev/null"
    if target.startswith("test"):
        if "$(PYTEST_ARGS)" not in (cwd / "Makefile").read_text():
            return "echo 'scoped mode: the Makefile test targets take no PYTEST_ARGS' >&2; exit 1"
        # -o engine: the engine the `make engine` step stood in for is not rebuilt (test-engine depends on it)
        return f"make -o engine {line[len('make '):]} PYTEST_ARGS='{SCOPE}'"
    return line


def _script(text: str, run: Run, workspace: Path, cwd: Path) -> str:
    lines = []
    for line in text.splitlines():
        line = OPS_LINE.sub(r"ops-stand-in \2", line)
        if run.mode == "scoped" and re.match(r"^\s*make\s", line):
            line = _scoped_make(line.strip(), workspace, cwd, run.source)
        lines.append(line)
    return "\n".join(lines)


class JobRunner:
    """Runs one job (one matrix combination) in its own fresh workspace."""

    def __init__(self, run: Run, job_id: str, job: dict[str, Any], matrix: dict[str, Any]) -> None:
        self.run, self.job_id, self.job, self.matrix = run, job_id, job, matrix
        suffix = "-".join(str(v) for v in matrix.values())
        self.root = run.work / (job_id + (f"-{suffix}" if suffix else ""))
        self.workspace, self.temp = self.root / "workspace", self.root / "temp"
        self.steps: dict[str, dict[str, Any]] = {}
        self.status = "success"
        self.env_file_vars: dict[str, str] = {}
        self.extra_path: list[str] = []

    def contexts(self) -> dict[str, Any]:
        run = self.run
        return {
            "github": {"event_name": run.event_name, "event": run.event(), "sha": run.sha,
                       "ref": "refs/heads/main" if run.event_name != "pull_request" else "refs/pull/1/merge",
                       "repository": "chatpdd/chatpdd-infra", "repository_owner": "chatpdd", "run_id": "4242",
                       "run_attempt": "1", "token": "ghs_stand-in", "server_url": "https://github.com",
                       "workspace": str(self.workspace), "job": self.job_id, "actor": "stand-in"},
            "secrets": FAKE_SECRETS, "vars": FAKE_VARS, "matrix": self.matrix, "steps": self.steps,
            "runner": {"temp": str(self.temp), "os": "Linux", "arch": "X64"},
            "env": {}, "job": {"status": self.status}, "inputs": {},
        }

    def evaluator(self) -> Evaluator:
        return Evaluator(self.contexts(), self.status, self.workspace)

    def base_env(self) -> dict[str, str]:
        keep = {k: v for k, v in os.environ.items() if k in ("HOME", "LANG", "TERM", "USER", "GOPATH", "GOCACHE",
                                                                  "GOMODCACHE", "GOFLAGS", "TMPDIR")}
        path = os.pathsep.join([str(self.root / "bin"), *self.extra_path, os.environ.get("PATH", "")])
        return {**keep, "PATH": path, "CI": "true", "GITHUB_ACTIONS": "true", "RUNNER_TEMP": str(self.temp),
                "RUNNER_OS": "Linux", "RUNNER_ARCH": "X64", "GITHUB_WORKSPACE": str(self.workspace),
                "GITHUB_SHA": self.run.sha, "GITHUB_REPOSITORY": "chatpdd/chatpdd-infra",
                "GITHUB_EVENT_NAME": self.run.event_name, "GITHUB_RUN_ID": "4242", "GITHUB_RUN_ATTEMPT": "1",
                "GITHUB_SERVER_URL": "https://github.com", "GITHUB_JOB": self.job_id,
                "GITHUB_REF": "refs/heads/main", "GITHUB_ACTOR": "stand-in",
                "GITHUB_STEP_SUMMARY": str(self.temp / "step-summary.md")}

    def execute(self, workflow: dict[str, Any]) -> JobResult:
        started = time.monotonic()
        result = JobResult(self.run.workflow.name, self.job_id + (f" ({self.matrix})" if self.matrix else ""), "")
        if not condition(self.job.get("if"), self.evaluator()):
            result.conclusion = "skipped"
            return result
        for d in (self.workspace, self.temp):
            d.mkdir(parents=True, exist_ok=True)
        _shims(self.root / "bin")
        defaults = (self.job.get("defaults") or workflow.get("defaults") or {}).get("run", {})
        scope_env = {**(workflow.get("env") or {}), **(self.job.get("env") or {})}
        for i, step in enumerate(self.job.get("steps", [])):
            result.steps.append(self.step(i, step, scope_env, defaults))
        result.conclusion = self.status
        result.seconds = time.monotonic() - started
        return result

    def step(self, i: int, step: dict[str, Any], scope_env: dict[str, Any], defaults: dict[str, Any]) -> StepResult:
        name = str(step.get("name") or step.get("uses") or f"step {i}")
        evaluator = self.evaluator()
        name = substitute(name, evaluator)
        started = time.monotonic()
        if not condition(step.get("if"), evaluator):
            self._record(step, "skipped", {})
            return StepResult(name, "skipped", 0.0)
        env = self.base_env() | self.env_file_vars
        for key, value in {**scope_env, **(step.get("env") or {})}.items():
            env[key] = substitute(str(value), self.evaluator())
        try:
            if "uses" in step:
                ok, log, outputs = self.action(step, env)
            else:
                ok, log, outputs = self.shell(step, env, defaults)
        except Exception as exc:  # noqa: BLE001 - a stand-in that cannot run is a failed step, with the reason
            ok, log, outputs = False, f"runner: {type(exc).__name__}: {exc}", {}
        outcome = "success" if ok else "failure"
        self._record(step, outcome, outputs, continue_on_error=bool(step.get("continue-on-error")))
        return StepResult(name, outcome, time.monotonic() - started, log)

    def _record(self, step: dict[str, Any], outcome: str, outputs: dict[str, str],
                continue_on_error: bool = False) -> None:
        conclusion = "success" if outcome == "failure" and continue_on_error else outcome
        if "id" in step:
            self.steps[step["id"]] = {"outcome": outcome, "conclusion": conclusion, "outputs": outputs}
        if conclusion == "failure":
            self.status = "failure"

    def shell(self, step: dict[str, Any], env: dict[str, str], defaults: dict[str, Any]) -> tuple[bool, str, dict]:
        shell = step.get("shell") or defaults.get("shell") or "bash"
        if shell != "bash":
            raise ValueError(f"shell {shell!r}: only bash is used by our workflows")
        cwd_rel = step.get("working-directory") or defaults.get("working-directory") or ""
        cwd = self.workspace / substitute(str(cwd_rel), self.evaluator())
        files = {n: self.temp / f"{n.lower()}-{len(self.steps)}-{time.monotonic_ns()}" for n in
                 ("GITHUB_OUTPUT", "GITHUB_ENV", "GITHUB_PATH")}
        for f in files.values():
            f.write_text("")
        script = _script(substitute(str(step["run"]), self.evaluator()), self.run, self.workspace, cwd)
        path = self.temp / f"step-{time.monotonic_ns()}.sh"
        path.write_text(script + "\n")
        done = subprocess.run(["bash", "--noprofile", "--norc", "-eo", "pipefail", str(path)], cwd=cwd,
                              env={**env, **{k: str(v) for k, v in files.items()}}, stdin=subprocess.DEVNULL,
                              stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, check=False)
        outputs = _key_values(files["GITHUB_OUTPUT"].read_text())
        self.env_file_vars.update(_key_values(files["GITHUB_ENV"].read_text()))
        self.extra_path += [p for p in files["GITHUB_PATH"].read_text().splitlines() if p]
        return done.returncode == 0, done.stdout, outputs

    def action(self, step: dict[str, Any], env: dict[str, str]) -> tuple[bool, str, dict]:
        uses = str(step["uses"])
        if not re.fullmatch(r"[\w.-]+/[\w./-]+@[0-9a-f]{40}", uses):
            raise ValueError(f"{uses}: not pinned to a commit SHA")
        action = uses.split("@")[0]
        inputs = {k: substitute(str(v).lower() if isinstance(v, bool) else str(v), self.evaluator())
                  for k, v in (step.get("with") or {}).items()}
        handler = ACTIONS.get(action)
        if handler is None:
            raise ValueError(f"{action}: no stand-in for this action (add one to tests/ci/workflow_runner.py)")
        return handler(self, inputs)


def _key_values(text: str) -> dict[str, str]:
    """GITHUB_OUTPUT / GITHUB_ENV: ``name=value`` lines and ``name<<DELIM`` blocks."""
    out: dict[str, str] = {}
    lines = iter(text.splitlines())
    for line in lines:
        if "<<" in line and "=" not in line.split("<<", 1)[0]:
            name, delim = line.split("<<", 1)
            out[name] = "\n".join(itertools.takewhile(lambda x, d=delim: x != d, lines))
        elif "=" in line:
            name, value = line.split("=", 1)
            out[name] = value
    return out


def _checkout(job: JobRunner, inputs: dict[str, str]) -> tuple[bool, str, dict]:
    dest = job.workspace / inputs.get("path", "")
    if inputs.get("persist-credentials", "true") != "false":
        return False, "actions/checkout without persist-credentials: false (our rule: never persist the token)", {}
    _clone(job.run.source, dest, inputs.get("ref") or None)
    return True, f"cloned {job.run.source} at {inputs.get('ref') or 'HEAD'} into {dest}", {}


def _setup_python(job: JobRunner, inputs: dict[str, str]) -> tuple[bool, str, dict]:
    wanted = inputs.get("python-version", "")
    have = f"{sys.version_info.major}.{sys.version_info.minor}"
    if wanted and wanted != have:
        return False, f"setup-python {wanted}: this machine's python is {have}", {}
    if inputs.get("cache"):
        patterns = inputs.get("cache-dependency-path", "").split()
        if not patterns or not job.evaluator().hash_files(*patterns):
            return False, f"setup-python cache: no file matches cache-dependency-path {patterns}", {}
    return True, f"python {have} on PATH (cache: {inputs.get('cache') or 'none'})", {}


def _setup_go(job: JobRunner, inputs: dict[str, str]) -> tuple[bool, str, dict]:
    version_file = inputs.get("go-version-file")
    if version_file and not (job.workspace / version_file).is_file():
        return False, f"setup-go: {version_file} does not exist", {}
    dependency = inputs.get("cache-dependency-path")
    if dependency and not job.evaluator().hash_files(*dependency.split()):
        return False, f"setup-go cache: no file matches {dependency}", {}
    return True, "go on PATH", {}


def _upload(job: JobRunner, inputs: dict[str, str]) -> tuple[bool, str, dict]:
    store = job.run.artifacts / inputs["name"]
    paths = [job.workspace / p for p in inputs.get("path", "").split()]
    found = [p for p in paths if p.exists()]
    if not found:
        ok = inputs.get("if-no-files-found", "warn") != "error"
        return ok, f"upload-artifact {inputs['name']}: no files at {inputs.get('path')}", {}
    store.mkdir(parents=True, exist_ok=True)
    for p in found:  # as upload-artifact roots it: a directory's contents, a file by its name
        if p.is_dir():
            shutil.copytree(p, store, dirs_exist_ok=True)
        else:
            shutil.copy2(p, store / p.name)
    return True, f"artifact {inputs['name']}: {[str(p) for p in found]}", {}


def _download(job: JobRunner, inputs: dict[str, str]) -> tuple[bool, str, dict]:
    store = job.run.artifacts / inputs["name"]
    if not store.exists():
        return False, f"download-artifact {inputs['name']}: no such artifact in this run", {}
    dest = Path(inputs["path"]) if inputs.get("path", "").startswith("/") else job.workspace / inputs.get("path", "")
    for p in store.iterdir():
        target = dest / p.name
        dest.mkdir(parents=True, exist_ok=True)
        (shutil.copytree if p.is_dir() else shutil.copy2)(p, target, **({"dirs_exist_ok": True} if p.is_dir() else {}))
    return True, f"downloaded {inputs['name']} to {dest}", {}


def _recorded(kind: str, needs_file: str | None = None) -> Any:
    def handler(job: JobRunner, inputs: dict[str, str]) -> tuple[bool, str, dict]:
        if needs_file and inputs.get(needs_file) and not (job.workspace / inputs[needs_file]).exists():
            return False, f"{kind}: {inputs[needs_file]} does not exist", {}
        log = job.temp / "stand-ins.log"
        with log.open("a") as f:
            f.write(f"{kind} {json.dumps(inputs, sort_keys=True)}\n")
        return True, f"{kind} (stand-in, nothing sent)", {}
    return handler


def _pulumi_action(job: JobRunner, inputs: dict[str, str]) -> tuple[bool, str, dict]:
    version_file = inputs.get("pulumi-version-file")
    if version_file and not (job.workspace / version_file).is_file():
        return False, f"pulumi/actions: {version_file} does not exist", {}
    return True, "pulumi CLI (stand-in on PATH)", {}


ACTIONS: dict[str, Any] = {
    "actions/checkout": _checkout,
    "actions/setup-python": _setup_python,
    "actions/setup-go": _setup_go,
    "actions/cache": _recorded("cache"),
    "actions/upload-artifact": _upload,
    "actions/download-artifact": _download,
    "aws-actions/configure-aws-credentials": _recorded("aws credentials"),
    "pulumi/actions": _pulumi_action,
    "marocchino/sticky-pull-request-comment": _recorded("sticky comment", needs_file="path"),
    "github/codeql-action/upload-sarif": _recorded("sarif upload", needs_file="sarif_file"),
    "actions/github-script": _recorded("github-script"),
    "peter-evans/create-pull-request": _recorded("create pull request"),
}


def _matrices(job: dict[str, Any]) -> list[dict[str, Any]]:
    matrix = (job.get("strategy") or {}).get("matrix") or {}
    keys = [k for k in matrix if k not in ("include", "exclude")]
    return [dict(zip(keys, values, strict=True)) for values in itertools.product(*(matrix[k] for k in keys))] or [{}]


def run_workflow(path: Path, event_name: str, mode: str = "scoped", source: Path = REPO,
                 jobs: list[str] | None = None, work: Path | None = None) -> list[JobResult]:
    """Run the workflow's jobs (all, or ``jobs``) in ``needs`` order; a job whose needs failed is skipped."""
    workflow = load(path)
    sha = subprocess.run(["git", "-C", str(source), "rev-parse", "HEAD"], capture_output=True, text=True,
                         check=True).stdout.strip()
    run = Run(path, event_name, mode, source, work or Path(tempfile.mkdtemp(prefix="workflow-run-")), sha)
    run.work.mkdir(parents=True, exist_ok=True)
    order = _order(workflow["jobs"])
    results: list[JobResult] = []
    conclusions: dict[str, str] = {}
    for job_id in order:
        if jobs is not None and job_id not in jobs:
            continue
        job = workflow["jobs"][job_id]
        needs = job.get("needs") or []
        needs = [needs] if isinstance(needs, str) else needs
        if any(conclusions.get(n) != "success" for n in needs):
            results.append(JobResult(path.name, job_id, "skipped"))
            conclusions[job_id] = "skipped"
            continue
        for matrix in _matrices(job):
            result = JobRunner(run, job_id, job, matrix).execute(workflow)
            results.append(result)
            conclusions[job_id] = "failure" if result.conclusion == "failure" or conclusions.get(
                job_id) == "failure" else result.conclusion
    return results


def _order(jobs: dict[str, Any]) -> list[str]:
    done: list[str] = []
    while len(done) < len(jobs):
        for job_id, job in jobs.items():
            needs = job.get("needs") or []
            needs = [needs] if isinstance(needs, str) else needs
            if job_id not in done and all(n in done for n in needs):
                done.append(job_id)
    return done


EVENTS = {"pr.yml": "pull_request", "preview.yml": "pull_request", "promote.yml": "push", "drift.yml": "schedule", "pr-report.yml": "workflow_run",
          "waivers.yml": "schedule", "lock.yml": "schedule"}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tests.ci.workflow_runner", description=__doc__.split("\n\n")[0])
    parser.add_argument("workflows", nargs="*", help="workflow files (default: every .github/workflows/*.yml)")
    parser.add_argument("--full", action="store_true", help="run the expensive steps as written too")
    parser.add_argument("--job", action="append", help="only this job (repeatable)")
    args = parser.parse_args(argv)
    paths = [Path(p) for p in args.workflows] or sorted(WORKFLOWS.glob("*.yml"))
    paths.sort(key=lambda p: p.name == "pr-report.yml")  # it transports the artifacts of the pr and preview runs
    work = Path(tempfile.mkdtemp(prefix="workflow-run-"))
    failed = 0
    for path in paths:
        for result in run_workflow(path, EVENTS.get(path.name, "push"), "full" if args.full else "scoped",
                                   jobs=args.job, work=work / path.stem):
            print(result.describe(), flush=True)
            failed += result.conclusion == "failure"
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
