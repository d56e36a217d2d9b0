"""The package's parts import each other without cycles.

Every import statement of every module (function-level imports included) is read with ``ast``
and mapped to the *part* it belongs to: a subpackage (``clifflasso/lasso``, ...) or a top-level
module (``clifflasso/dictionary.py``, ...). The graph between parts must be acyclic; the
package root ``clifflasso/__init__.py``, which only gathers the public API, is left out.
"""

from __future__ import annotations

import ast
from pathlib import Path

import clifflasso

ROOT = Path(clifflasso.__file__).parent


def _part(module: str) -> str | None:
    """``clifflasso.lasso.solvers`` -> ``lasso``; ``clifflasso`` itself -> None."""
    pieces = module.split(".")
    if pieces[0] != "clifflasso" or len(pieces) == 1:
        return None
    return pieces[1]


def _module_name(path: Path) -> str:
    relative = path.relative_to(ROOT.parent).with_suffix("")
    parts = list(relative.parts)
    if parts[-1] == "__init__":
        parts = parts[:-1]
    return ".".join(parts)


def import_graph() -> dict[str, set[str]]:
    graph: dict[str, set[str]] = {}
    for path in ROOT.rglob("*.py"):
        name = _module_name(path)
        source = _part(name)
        if source is None:
            continue
        package = name if path.name == "__init__.py" else name.rsplit(".", 1)[0]
        targets = graph.setdefault(source, set())
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Import):
                modules = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom):
                if node.level:
                    base = package.split(".")[: len(package.split(".")) - node.level + 1]
                    modules = [".".join(base + ([node.module] if node.module else []))]
                else:
                    modules = [node.module or ""]
                modules += [f"{modules[0]}.{alias.name}" for alias in node.names]
                modules = modules[:1] if _part(modules[0]) is not None else modules
            else:
                continue
            for module in modules:
                target = _part(module)
                if target is not None and target != source:
                    targets.add(target)
    return graph


def _cycle(graph: dict[str, set[str]]) -> list[str] | None:
    state: dict[str, int] = {}
    stack: list[str] = []

    def visit(node: str) -> list[str] | None:
        state[node] = 1
        stack.append(node)
        for target in sorted(graph.get(node, ())):
            if state.get(target) == 1:
                return stack[stack.index(target) :] + [target]
            if target not in state:
                found = visit(target)
                if found:
                    return found
        stack.pop()
        state[node] = 2
        return None

    for node in sorted(graph):
        if node not in state:
            found = visit(node)
            if found:
                return found
    return None


def test_the_parts_of_the_package_import_each_other_without_cycles():
    cycle = _cycle(import_graph())
    assert cycle is None, " -> ".join(cycle)


def test_the_cycle_finder_finds_cycles():
    assert _cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]
    assert _cycle({"a": {"b"}, "b": set()}) is None


def test_the_solver_layer_sits_below_the_proofs():
    graph = import_graph()
    assert "lasso" in graph["proofs"]
    assert "proofs" not in graph["lasso"]
