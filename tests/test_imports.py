"""The package's import graph, read with ``ast`` (nothing is imported): the layering of ARCHITECTURE.md.

Every ``import`` counts, module level or inside a function (a lazy import still ties two modules
together), except those under ``if TYPE_CHECKING:``, which never run.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "gpt_sovits"


def _module_files() -> dict[str, Path]:
    modules = {}
    for path in PACKAGE.rglob("*.py"):
        parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts.pop()
        modules[".".join(parts)] = path
    return modules


MODULES = _module_files()


def _known(name: str) -> str | None:
    """The module ``name`` refers to (a name inside a module resolves to that module)."""
    while name and name not in MODULES:
        name = name.rpartition(".")[0]
    return name or None


def _runtime_nodes(tree: ast.AST):
    """Every node except the bodies of ``if TYPE_CHECKING:`` blocks."""
    stack = [tree]
    while stack:
        node = stack.pop()
        yield node
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            stack.extend(node.orelse)
            continue
        stack.extend(ast.iter_child_nodes(node))


def _imports(module: str, path: Path) -> set[str]:
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    found: set[str] = set()
    for node in _runtime_nodes(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found.update(filter(None, (_known(a.name) for a in node.names if a.name.startswith("gpt_sovits"))))
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package
                for _ in range(node.level - 1):
                    anchor = anchor.rpartition(".")[0]
                base = f"{anchor}.{base}" if base else anchor
            if not base.startswith("gpt_sovits"):
                continue
            for alias in node.names:
                target = f"{base}.{alias.name}"
                found.add(target if target in MODULES else _known(base))
    found.discard(module)
    found.discard(None)
    return found


GRAPH = {module: _imports(module, path) for module, path in MODULES.items()}


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected groups of more than one module (Tarjan, iterative)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    groups: list[list[str]] = []
    for root in graph:
        if root in index:
            continue
        work = [(root, iter(sorted(graph[root])))]
        index[root] = low[root] = len(index)
        stack.append(root)
        on_stack.add(root)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is not None:
                if child not in index:
                    index[child] = low[child] = len(index)
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(graph.get(child, ())))))
                elif child in on_stack:
                    low[node] = min(low[node], index[child])
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[node])
            if low[node] == index[node]:
                group = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    group.append(member)
                    if member == node:
                        break
                if len(group) > 1:
                    groups.append(sorted(group))
    return groups


def test_the_graph_reader_sees_real_edges():
    assert "gpt_sovits.inference.commands" in GRAPH["gpt_sovits.cli"]
    assert "gpt_sovits.cli_common" in GRAPH["gpt_sovits.data.commands"]
    assert _cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]


def test_no_import_cycle():
    assert _cycles(GRAPH) == []


def test_command_modules_do_not_import_the_cli_back():
    commands = [m for m in MODULES if m.endswith(".commands")]
    assert len(commands) >= 4
    for module in commands:
        assert "gpt_sovits.cli" not in GRAPH[module], module


@pytest.mark.parametrize("layer", ["gpt_sovits.ui", "gpt_sovits.api"])
def test_clients_do_not_import_models_directly(layer):
    offenders = {
        module: sorted(t for t in targets if t == "gpt_sovits.models" or t.startswith("gpt_sovits.models."))
        for module, targets in GRAPH.items()
        if module == layer or module.startswith(layer + ".")
    }
    assert {m: t for m, t in offenders.items() if t} == {}


def _worker_classes() -> list[str]:
    """Classes that run queued jobs on a thread of their own (``threading.Thread(target=self.…)``)."""
    found = []
    for module, path in MODULES.items():
        for cls in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not isinstance(cls, ast.ClassDef):
                continue
            for call in ast.walk(cls):
                if (isinstance(call, ast.Call) and ast.unparse(call.func).endswith("Thread")
                        and any(k.arg == "target" and ast.unparse(k.value).startswith("self.") for k in call.keywords)):
                    found.append(f"{module}.{cls.name}")
                    break
    return found


def test_the_worker_class_reader_finds_the_job_queues():
    assert _worker_classes(), "no class running queued jobs on its own thread was found"


def test_one_job_queue_in_the_package():
    assert len(_worker_classes()) == 1, _worker_classes()
