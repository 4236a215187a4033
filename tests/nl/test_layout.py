"""The shape of venvy.nl: three parts that depend on each other one way, no cycles,
small modules, and a `venvy -w` that never pays for the training stack.

    shared (contract, grammar, prompt, manifest, files)  <-  runtime  <-  pipeline, eval
"""

from __future__ import annotations

import ast
import importlib.util
import os
import subprocess
import sys
from pathlib import Path

SRC = Path(__file__).resolve().parents[2] / "src"
NL = SRC / "venvy" / "nl"
MAX_LINES = 400
TRAINING_STACK = ("torch", "transformers", "peft")


def module_name(path: Path) -> str:
    parts = path.relative_to(SRC).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def nl_modules() -> dict[str, Path]:
    return {module_name(p): p for p in sorted(NL.rglob("*.py"))}


def imports_of(path: Path, modules: dict[str, Path]) -> set[str]:
    """The venvy.nl modules `path` imports anywhere in it (function-level imports included)."""
    found = set()
    this = module_name(path)
    package = this if path.name == "__init__.py" else this.rsplit(".", 1)[0]
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                base = ".".join(package.split(".")[: len(package.split(".")) - node.level + 1] + ([base] if base else []))
            names = [base] + [f"{base}.{alias.name}" for alias in node.names]
        else:
            continue
        for name in names:
            while name and name not in modules:
                name = name.rpartition(".")[0]
            if name and name != this and name != "venvy.nl":
                found.add(name)
    return found


def import_graph() -> dict[str, set[str]]:
    modules = nl_modules()
    return {name: imports_of(path, modules) for name, path in modules.items()}


def part(module: str) -> str:
    rest = module.split(".")[2:]
    return rest[0] if rest and rest[0] in ("runtime", "pipeline", "eval") else "shared"


def test_no_import_cycles_in_venvy_nl():
    graph = import_graph()
    state: dict[str, int] = {}  # 1 = on the current path, 2 = done
    cycles = []

    def visit(node: str, path: list[str]) -> None:
        state[node] = 1
        for dep in sorted(graph[node]):
            if state.get(dep) == 1:
                cycles.append(path[path.index(dep):] + [dep] if dep in path else [node, dep])
            elif dep not in state:
                visit(dep, path + [dep])
        state[node] = 2

    for node in sorted(graph):
        if node not in state:
            visit(node, [node])
    assert cycles == []


def test_data_flows_one_way():
    """runtime and the shared modules import nothing from pipeline or eval; eval nothing
    from pipeline; the shared modules nothing from runtime."""
    allowed = {
        "shared": {"shared"},
        "runtime": {"shared", "runtime"},
        "eval": {"shared", "runtime", "eval"},
        "pipeline": {"shared", "runtime", "eval", "pipeline"},
    }
    wrong = [(m, d) for m, deps in import_graph().items() for d in deps if part(d) not in allowed[part(m)]]
    assert wrong == []


def test_no_module_in_src_is_over_400_lines():
    long = {str(p.relative_to(SRC)): n for p in SRC.rglob("*.py") if (n := len(p.read_text().splitlines())) > MAX_LINES}
    assert long == {}


BLOCKER = """
import sys, importlib.abc
BLOCKED = {blocked!r}
seen = []
class Block(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path, target=None):
        if any(name == b or name.startswith(b + ".") for b in BLOCKED):
            seen.append(name)
            raise ImportError(f"blocked by the test: {{name}}")
        return None
sys.meta_path.insert(0, Block())
"""


def run_python(code: str, **env) -> subprocess.CompletedProcess:
    full_env = {**os.environ, "PYTHONPATH": str(SRC), "NO_COLOR": "1", **env}
    full_env.pop("VENVY_DEBUG", None)
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=full_env, timeout=300)


def test_the_runtime_imports_without_pipeline_and_eval(tmp_path):
    """Every runtime module imports with venvy.nl.pipeline, venvy.nl.eval and the training
    stack made unimportable."""
    runtime = sorted(m for m in nl_modules() if part(m) == "runtime")
    code = BLOCKER.format(blocked=["venvy.nl.pipeline", "venvy.nl.eval", *TRAINING_STACK]) + (
        "import importlib\n"
        f"for name in {runtime!r}:\n"
        "    importlib.import_module(name)\n"
        "assert not seen, seen\n"
        "print(len(sys.modules))\n"
    )
    done = run_python(code, VENVY_HOME=str(tmp_path))
    assert done.returncode == 0, done.stderr
    assert len(runtime) >= 10


def test_venvy_w_print_never_imports_the_training_stack(tmp_path):
    """The whole `venvy -w --print` path (the real model when llama-cpp-python and the
    shipped model are here) runs with torch, transformers, peft, pipeline and eval blocked."""
    code = BLOCKER.format(blocked=["venvy.nl.pipeline", "venvy.nl.eval", *TRAINING_STACK]) + (
        "import runpy\n"
        "sys.argv = ['venvy', '-w', '--print', 'list my venvs']\n"
        "try:\n"
        "    runpy.run_module('venvy', run_name='__main__')\n"
        "except SystemExit as exc:\n"
        "    code = exc.code\n"
        "heavy = [m for m in sys.modules if m.split('.')[0] in ('torch', 'transformers', 'peft')]\n"
        "print('RESULT', code, seen, heavy, file=sys.stderr)\n"
    )
    done = run_python(code, VENVY_HOME=str(tmp_path))
    result = done.stderr.strip().splitlines()[-1]
    assert result.endswith("[] []"), done.stderr
    if importlib.util.find_spec("llama_cpp") is None:
        assert "RESULT 1" in result and "llama-cpp-python" in done.stderr
    else:
        assert result.startswith("RESULT 0") and done.stdout == "venvy ls\n", done.stderr
