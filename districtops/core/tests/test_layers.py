"""The floors of the code (docs/architecture.md): core is the ground and imports nothing of the
project; the gate and the write path sit above ``org`` and ``audit``; the portal on top names every
app and no app names it; no import circle joins files of different apps.

Every import counts, at module level and inside functions alike (a function-local import is still
a dependency, only a later one). The checks read the source with ``ast``; nothing is imported.
"""

import ast
import sys
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[2]  # districtops/
ROOT = PACKAGE.parent


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts = parts[:-1]
    return ".".join(parts)


def _sources() -> dict[str, Path]:
    return {
        _module_name(p): p
        for p in PACKAGE.rglob("*.py")
        if "tests" not in p.parts and "migrations" not in p.parts
    }


MODULES = _sources()


def _imports(path: Path) -> set[str]:
    """The project modules ``path`` imports, relative imports resolved, ``from pkg import mod``
    counted as the module when it is one."""
    me = _module_name(path)
    package = me if path.name == "__init__.py" else me.rsplit(".", 1)[0]
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found.update(a.name for a in node.names if a.name.startswith("districtops"))
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[: len(package.split(".")) - (node.level - 1)]
                module = ".".join(base + ([node.module] if node.module else []))
            else:
                module = node.module or ""
            if not module.startswith("districtops"):
                continue
            for alias in node.names:
                candidate = f"{module}.{alias.name}"
                found.add(candidate if candidate in MODULES else module)
    return {m for m in found if m in MODULES}


GRAPH = {name: _imports(path) for name, path in MODULES.items()}


def _app(module: str) -> str:
    parts = module.split(".")
    return parts[1] if len(parts) > 2 else parts[-1]


def _floor_violations(floor: str, allowed) -> list[str]:
    return sorted(
        f"{m} imports {dep}"
        for m, deps in GRAPH.items()
        if _app(m) == floor
        for dep in deps
        if not allowed(dep)
    )


def test_core_is_the_ground_floor_and_imports_nothing_of_the_project():
    assert _floor_violations("core", lambda dep: _app(dep) == "core") == []


def test_the_gate_sits_on_core_org_and_audit_only():
    allowed_org = {"districtops.org.models", "districtops.org.roles", "districtops.org"}
    assert (
        _floor_violations("gate", lambda dep: _app(dep) in ("core", "gate", "audit") or dep in allowed_org)
        == []
    )


def test_no_app_imports_the_portal():
    """The portal names every app (registries, home, navigation); an app naming it would close a
    circle through the top floor."""
    offenders = sorted(
        f"{m} imports {dep}"
        for m, deps in GRAPH.items()
        if _app(m) not in ("portal",) and m not in ("districtops.urls", "districtops.settings")
        for dep in deps
        if _app(dep) == "portal"
    )
    assert offenders == []


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components of more than one module (Tarjan)."""
    index, low, stack, on_stack, found = {}, {}, [], set(), []
    counter = [0]
    sys.setrecursionlimit(max(10_000, sys.getrecursionlimit()))

    def visit(v):
        index[v] = low[v] = counter[0]
        counter[0] += 1
        stack.append(v)
        on_stack.add(v)
        for w in graph.get(v, ()):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for v in graph:
        if v not in index:
            visit(v)
    return found


def test_no_import_circle_joins_files_of_different_apps():
    crossing = [c for c in _cycles(GRAPH) if len({_app(m) for m in c}) > 1]
    assert crossing == []


OLD_GATE = "districtops.core." + "permissions"  # where the gate lived before the split


@pytest.mark.parametrize(
    "graph, expected",
    [
        # The circle the split removed: core/models → core/permissions → org/models → core/models.
        (
            {
                "districtops.core.models": {OLD_GATE},
                OLD_GATE: {"districtops.org.models"},
                "districtops.org.models": {"districtops.core.models"},
            },
            1,
        ),
        ({"districtops.a.x": {"districtops.b.y"}, "districtops.b.y": set()}, 0),
    ],
)
def test_the_circle_check_finds_a_circle_and_only_a_circle(graph, expected):
    crossing = [c for c in _cycles(graph) if len({_app(m) for m in c}) > 1]
    assert len(crossing) == expected
