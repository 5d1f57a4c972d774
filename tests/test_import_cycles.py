"""No import cycle inside ibislib: the import graph (module- and function-level imports, read with
``ast``) has no cycle among modules.

An edge goes from a module to each module it imports: ``from .x import y`` points at ``x.y``
when that is a module, else at ``x``; ``import a.b`` at ``a.b``. A package's ``__init__`` is
the package's own node; importing a submodule does not count as importing its package (that
is how every package works and never causes a partly initialised module). Imports under
``if TYPE_CHECKING:`` are not run and are left out.
"""

from __future__ import annotations

import ast
import textwrap
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent / "ibislib"


def _module_name(path: Path, root: Path) -> str:
    rel = path.relative_to(root.parent).with_suffix("")
    parts = list(rel.parts)
    if parts[-1] == "__init__":
        parts = parts[:-1]
    return ".".join(parts)


def _type_checking_lines(tree: ast.AST) -> set[int]:
    lines: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            for sub in node.body:
                lines.update(range(sub.lineno, (sub.end_lineno or sub.lineno) + 1))
    return lines


def import_graph(root: Path) -> dict[str, set[str]]:
    """Modules of the package at `root` -> the modules of the package each imports."""
    files = {p: _module_name(p, root) for p in root.rglob("*.py")}
    modules = set(files.values())
    graph: dict[str, set[str]] = {m: set() for m in modules}
    for path, name in files.items():
        tree = ast.parse(path.read_text(encoding="utf-8"))
        skip = _type_checking_lines(tree)
        package = name if path.name == "__init__.py" else name.rpartition(".")[0]
        for node in ast.walk(tree):
            if getattr(node, "lineno", None) in skip:
                continue
            targets: list[str] = []
            if isinstance(node, ast.Import):
                targets = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom):
                if node.level:
                    base = package.split(".")
                    base = base[: len(base) - (node.level - 1)]
                    mod = ".".join(base + ([node.module] if node.module else []))
                else:
                    mod = node.module or ""
                for alias in node.names:
                    sub = f"{mod}.{alias.name}"
                    targets.append(sub if sub in modules else mod)
            for t in targets:
                if t in modules and t != name:
                    graph[name].add(t)
    return graph


def _components(graph: dict[str, set[str]]) -> list[set[str]]:
    """Strongly connected components (Tarjan, iterative: no recursion limit)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    out: list[set[str]] = []
    for start in sorted(graph):
        if start in index:
            continue
        work = [(start, iter(sorted(graph[start])))]
        index[start] = low[start] = len(index)
        stack.append(start)
        on_stack.add(start)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is not None:
                if child not in index:
                    index[child] = low[child] = len(index)
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(graph[child]))))
                elif child in on_stack:
                    low[node] = min(low[node], index[child])
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[node])
            if low[node] == index[node]:
                group = set()
                while True:
                    m = stack.pop()
                    on_stack.discard(m)
                    group.add(m)
                    if m == node:
                        break
                out.append(group)
    return out


def cycles(root: Path) -> list[list[str]]:
    """Every cycle as one strongly connected group of modules (sorted), largest first."""
    groups = [sorted(c) for c in _components(import_graph(root)) if len(c) > 1]
    return sorted(groups, key=len, reverse=True)


def test_ibislib_has_no_import_cycle() -> None:
    found = cycles(ROOT)
    assert not found, "Import-Zyklen in ibislib: " + "; ".join(" ↔ ".join(c) for c in found)


def _package(tmp_path: Path, files: dict[str, str]) -> Path:
    root = tmp_path / "pkg"
    for rel, text in files.items():
        p = root / rel
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_text(textwrap.dedent(text), encoding="utf-8")
    return root


@pytest.mark.parametrize(
    "files",
    [
        # module level: a -> b -> a
        {"__init__.py": "", "a.py": "from . import b\n", "b.py": "from .a import x\n"},
        # function level, across subpackages: sub.c -> d (in a function) -> sub.c
        {
            "__init__.py": "",
            "sub/__init__.py": "",
            "sub/c.py": "def f():\n    from ..d import g\n",
            "d.py": "from .sub import c\n",
        },
        # absolute imports, three modules
        {
            "__init__.py": "",
            "a.py": "import pkg.b\n",
            "b.py": "from pkg import c\n",
            "c.py": "from pkg.a import thing\n",
        },
    ],
    ids=["module-level", "function-level", "absolute-three"],
)
def test_checker_finds_a_planted_cycle(tmp_path: Path, files: dict[str, str]) -> None:
    assert cycles(_package(tmp_path, files))


def test_checker_ignores_type_checking_and_package_parents(tmp_path: Path) -> None:
    root = _package(
        tmp_path,
        {
            "__init__.py": "from .a import run\n",
            "a.py": "from typing import TYPE_CHECKING\nfrom . import b\n"
            "if TYPE_CHECKING:\n    from .c import C\n",
            "b.py": "from .helpers import tool\n",
            "helpers.py": "",
            "c.py": "from .a import run\n",
        },
    )
    assert cycles(root) == []
