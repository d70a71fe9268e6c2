"""The product's structure, as docs/architecture.md states it: who may import whom (the whole table, parsed
from the page), no import cycle, and no function longer than a screen."""

from __future__ import annotations

import ast
import re
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
ARCHITECTURE = REPO / "docs" / "architecture.md"
# The product: everything but the tests (pytest functions read better whole; they are not checked here).
PRODUCT = ("stacks", "components", "gate", "ops", "policies", "__main__.py")
INTERNAL = ("stacks", "components", "gate", "ops")  # the packages importable from the repository root
MAX_FUNCTION_LINES = 80


def product_files() -> list[Path]:
    files: list[Path] = []
    for entry in PRODUCT:
        path = REPO / entry
        files += [path] if path.is_file() else sorted(path.rglob("*.py"))
    # A virtualenv inside the product (policies/.venv, the pack's interpreter) is installed code, not ours.
    return [f for f in files if not any(part.startswith(".venv") for part in f.relative_to(REPO).parts)]


def imports_of(path: Path) -> set[str]:
    """Every absolute module name ``path`` imports, anywhere in it (lazy and TYPE_CHECKING imports too);
    ``from a import b`` counts as ``a.b`` when ``a/b`` is a module of the repository, else as ``a``."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            if node.module == "__future__":
                continue
            found.add(node.module)
            found |= {f"{node.module}.{a.name}" for a in node.names if _module_path(f"{node.module}.{a.name}")}
        elif isinstance(node, ast.ImportFrom):
            raise AssertionError(f"{path.relative_to(REPO)}: relative import (line {node.lineno}); use absolute ones")
    return found


def _module_path(name: str) -> Path | None:
    base = REPO.joinpath(*name.split("."))
    for candidate in (base.with_suffix(".py"), base / "__init__.py"):
        if candidate.is_file():
            return candidate
    return None


def _module_name(path: Path) -> str:
    parts = path.relative_to(REPO).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


# --- who may import whom -------------------------------------------------------------------------------

@dataclass(frozen=True)
class Rule:
    path: str  # "gate/", "gate/pack/pack_memo.py", "__main__.py"
    what: str  # the row's middle cell
    allowed: frozenset[str]
    never: frozenset[str]
    everything: bool

    def covers(self, relative: str) -> bool:
        return relative.startswith(self.path) if self.path.endswith("/") else relative == self.path


def parse_rules(text: str) -> list[Rule]:
    section = text.split("## Where things live", 1)[1].split("\n## ", 1)[0]
    rules = []
    for line in section.splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) != 3 or not cells[0].startswith("`"):
            continue
        path, may = cells[0].strip("`"), cells[2]
        allowed_text, _, never_text = may.partition("**never**")
        allowed_text = re.sub(r"\([^)]*\)", "", allowed_text)  # asides name folders, not imports
        never_text = re.sub(r"\([^)]*\)", "", never_text)
        rules.append(Rule(path, cells[1], frozenset(re.findall(r"`([\w.]+)`", allowed_text)),
                          frozenset(re.findall(r"`([\w.]+)`", never_text)), may.startswith("everything")))
    return rules


RULES = parse_rules(ARCHITECTURE.read_text())


def rule_for(relative: str) -> Rule:
    matching = [r for r in RULES if r.covers(relative)]
    assert matching, f"{relative} is in no row of docs/architecture.md, 'Where things live'"
    return max(matching, key=lambda r: len(r.path))


def own_folder(relative: str, rule: Rule) -> str:
    """The package a module may always import from: its row's folder, or its own folder for a one-file row (a
    file at the root: itself). The pack's modules import each other as ``chatpdd_policies``."""
    if relative.startswith("policies/"):
        return "chatpdd_policies"
    folder = rule.path if rule.path.endswith("/") else relative.rpartition("/")[0]
    return folder.strip("/").replace("/", ".") or relative.removesuffix(".py")


def in_own_folder(name: str, own: str) -> bool:
    """``name`` is in the folder ``own``, and not in a sub-folder that has a row of its own (another room)."""
    if name != own and not name.startswith(own + "."):
        return False
    where = name.replace(".", "/") + "/"
    return not any(r.path.endswith("/") and len(r.path) > len(own) + 1 and where.startswith(r.path) for r in RULES)


def permitted(name: str, rule: Rule, own: str) -> bool:
    top = name.split(".")[0]
    if any(name == n or name.startswith(n + ".") for n in rule.never):
        return False
    if in_own_folder(name, own) or top in sys.stdlib_module_names or rule.everything:
        return True
    return any(name == n or name.startswith(n + ".") or (top == n and "." not in n) for n in rule.allowed)


def test_the_table_is_parsed_whole():
    paths = {r.path for r in RULES}
    assert {"stacks/", "components/", "__main__.py", "policies/", "gate/", "gate/pack/pack_memo.py", "ops/",
            "tests/", "gate/program/", "gate/pack/", "gate/reports/"} <= paths
    assert "boto3" in rule_for("components/network.py").never
    assert rule_for("ops/aws.py").allowed >= {"botocore", "stacks.checklist"}
    assert rule_for("tests/conftest.py").everything


@pytest.mark.parametrize("path", product_files(), ids=lambda p: str(p.relative_to(REPO)))
def test_module_imports_only_what_the_architecture_allows(path: Path):
    relative = str(path.relative_to(REPO))
    rule = rule_for(relative)
    own = own_folder(relative, rule)
    refused = sorted(n for n in imports_of(path) if not permitted(n, rule, own))
    assert not refused, (f"{relative} imports {', '.join(refused)}; docs/architecture.md allows "
                         f"{sorted(rule.allowed)} (row {rule.path})")


def test_the_checker_refuses_what_the_table_refuses():
    components, ops = rule_for("components/storage.py"), rule_for("ops/outputs.py")
    assert not permitted("boto3", components, "components")
    assert not permitted("urllib.request", components, "components")  # a "never" beats the standard library
    assert permitted("urllib.parse", components, "components")
    assert permitted("pulumi_aws.s3", components, "components") and permitted("json", components, "components")
    assert permitted("stacks.checklist", ops, "ops") and not permitted("stacks.models", ops, "ops")
    assert not permitted("pulumi", ops, "ops")
    assert not permitted("pulumi_policy", rule_for("gate/pipeline.py"), "gate")
    assert permitted("pulumi_policy.policy", rule_for("gate/pack/pack_memo.py"), "gate.pack")


def test_a_gate_room_imports_only_the_rooms_its_row_names():
    program, reports = rule_for("gate/program/program.py"), rule_for("gate/reports/markdown.py")
    assert own_folder("gate/program/program.py", program) == "gate.program"
    assert permitted("gate.program.mocks", program, "gate.program")
    assert not permitted("gate.pack.analyzer", program, "gate.program")  # the program stage imports no later one
    assert not permitted("gate.common.findings", program, "gate.program")
    assert permitted("gate.result", reports, "gate.reports") and not permitted("gate.pipeline", reports, "gate.reports")
    assert not permitted("gate.program.box", reports, "gate.reports")
    # gate/ may import its rooms because its row names them, not because they are below it
    assert not in_own_folder("gate.program.program", "gate") and in_own_folder("gate.pipeline", "gate")
    assert not permitted("gate.pipeline", rule_for("gate/result.py"), "gate")
    assert in_own_folder("ops.verify.result", "ops")  # a sub-folder without a row of its own is the folder's


def test_every_gate_row_refuses_what_the_gate_never_imports():
    """Each room's row replaces the gate/ row; none may let in what the gate never imports (the pack's launcher
    alone runs in the pack's process and imports pulumi_policy)."""
    never = rule_for("gate/").never
    assert never >= {"components", "chatpdd_policies", "pulumi_policy", "boto3", "botocore"}
    for rule in RULES:
        if rule.path.startswith("gate/"):
            own = own_folder(rule.path, rule)
            let_in = {n for n in never if permitted(n, rule, own)}
            assert let_in <= ({"pulumi_policy"} if rule.path == "gate/pack/pack_memo.py" else set()), (rule.path, let_in)


# --- gate/ in rooms by stage -----------------------------------------------------------------------------

def gate_folders() -> list[str]:
    return sorted({str(p.parent.relative_to(REPO)) + "/" for p in (REPO / "gate").rglob("*.py")
                   if "__pycache__" not in p.parts})


def test_every_folder_of_the_gate_has_a_row_of_its_own():
    """A new room is documented with what it is and which rooms it may import, or it is no room."""
    rows = {r.path for r in RULES}
    assert "gate/program/" in gate_folders() and "gate/" in gate_folders()
    missing = [folder for folder in gate_folders() if folder not in rows]
    assert not missing, f"docs/architecture.md, 'Where things live', has no row for {', '.join(missing)}"


def test_the_top_of_the_gate_holds_only_what_its_row_names():
    """gate/ holds the entry points, the pipeline and a few named tools: a new stage goes in a room of its own,
    not flat beside them (a module added here must be named in the gate/ row, a conscious choice)."""
    what = rule_for("gate/").what
    top = sorted(p.name for p in (REPO / "gate").glob("*.py") if p.name != "__init__.py")
    assert {"__main__.py", "pipeline.py", "result.py"} <= set(top)
    unnamed = [name for name in top if f"`{name}`" not in what]
    assert not unnamed, f"gate/{', gate/'.join(unnamed)}: not named in the gate/ row of docs/architecture.md"


# --- no import cycle ------------------------------------------------------------------------------------

def import_graph() -> dict[str, set[str]]:
    graph: dict[str, set[str]] = {}
    for path in product_files():
        if path.parts[len(REPO.parts)] not in INTERNAL:
            continue
        name = _module_name(path)  # a package's __init__ importing its own submodules is no edge to itself
        graph[name] = {n for n in imports_of(path)
                       if n.split(".")[0] in INTERNAL and _module_path(n) is not None and n != name}
    return graph


def find_cycle(graph: dict[str, set[str]]) -> list[str] | None:
    state: dict[str, int] = {}  # 1 on the current path, 2 done
    stack: list[str] = []

    def visit(node: str) -> list[str] | None:
        state[node] = 1
        stack.append(node)
        for nxt in sorted(graph.get(node, ())):
            if state.get(nxt) == 1:
                return stack[stack.index(nxt):] + [nxt]
            if nxt not in state and (cycle := visit(nxt)):
                return cycle
        stack.pop()
        state[node] = 2
        return None

    for node in sorted(graph):
        if node not in state and (cycle := visit(node)):
            return cycle
    return None


def test_no_import_cycle_in_the_product():
    graph = import_graph()
    assert "gate.result" in graph["gate.reports.markdown"] and "gate.reports" in graph["gate.pipeline"]
    cycle = find_cycle(graph)
    assert cycle is None, "import cycle: " + " -> ".join(cycle or [])


def test_cycle_finder_finds_one():
    assert find_cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]
    assert find_cycle({"a": {"b"}, "b": set()}) is None


# --- no function longer than a screen --------------------------------------------------------------------

def long_functions(path: Path, limit: int = MAX_FUNCTION_LINES) -> list[str]:
    tree = ast.parse(path.read_text(), str(path))
    return [f"{path.relative_to(REPO)}:{node.lineno} {node.name} ({node.end_lineno - node.lineno + 1} lines)"
            for node in ast.walk(tree)
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef) and node.end_lineno is not None
            and node.end_lineno - node.lineno + 1 > limit]


def test_no_function_in_the_product_is_longer_than_80_lines():
    too_long = [f for path in product_files() for f in long_functions(path)]
    assert not too_long, "split these the way components/database.py does (named helpers): " + "; ".join(too_long)


def test_long_function_check_counts_lines(tmp_path):
    body = "\n".join(f"    x{i} = {i}" for i in range(MAX_FUNCTION_LINES))
    (tmp_path / "m.py").write_text(f"def f():\n{body}\n")
    global REPO
    saved, REPO = REPO, tmp_path
    try:
        assert long_functions(tmp_path / "m.py") == [f"m.py:1 f ({MAX_FUNCTION_LINES + 1} lines)"]
        assert long_functions(tmp_path / "m.py", limit=MAX_FUNCTION_LINES + 1) == []
    finally:
        REPO = saved


# --- the git hooks download nothing ---------------------------------------------------------------------

def test_pre_commit_hooks_are_local_and_run_the_venvs_tools():
    import yaml

    config = yaml.safe_load((REPO / ".pre-commit-config.yaml").read_text())
    hooks = [hook for repo in config["repos"] for hook in repo["hooks"]]
    assert all(repo["repo"] == "local" for repo in config["repos"])
    assert all(h["language"] == "system" and h["entry"].startswith(".venv/bin/") for h in hooks)
    assert {"ruff", "mypy", "schema", "fast-tests"} <= {h["id"] for h in hooks}
