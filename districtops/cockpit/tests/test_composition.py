"""The cockpit composes what each module's ``cockpit.py`` gives (docs/architecture.md): its own
files never read another module's models, and import other apps only at module top (a
function-local import hides a dependency until the page runs). The checks read the source with
``ast``; nothing is imported."""

import ast
from pathlib import Path

COCKPIT = Path(__file__).resolve().parents[1]
PACKAGE = COCKPIT.parent  # districtops/

# The cockpit files that are not section code and read another app's models, each for a reason
# (``core.models`` is the ground floor's base classes, not an app's rows: always allowed).
# A new one fails the test: a section's figures come from that app's cockpit.py.
MODELS_ALLOWED = {
    ("services.py", "districtops.org.models"): "the districts a person may open; Unit arguments",
    ("briefing.py", "districtops.org.models"): "the district of a summary, for its briefing settings",
    ("scale.py", "districtops.org.models"): "the bench's city-scale generator: the leaders to subscribe",
    ("demo.py", "districtops.org.models"): "the demo district, by its code, for the demo subscription",
    ("delivery.py", "districtops.delivery.models"): "the outbox the weekly summary goes through",
}
# Modules that feed the cockpit, each through its one ``cockpit.py``.
FEEDERS = ("economy", "projects", "supervision", "hazards", "deputies", "org")


def _sources():
    return sorted(p for p in COCKPIT.glob("*.py") if p.name != "__init__.py")


def _module(node: ast.ImportFrom | ast.Import, package: str = "districtops.cockpit") -> list[str]:
    """The dotted modules an import statement names (``from pkg import mod`` as ``pkg.mod``)."""
    if isinstance(node, ast.Import):
        return [a.name for a in node.names]
    if node.level:
        base = package.split(".")[: len(package.split(".")) - (node.level - 1)]
        module = ".".join(base + ([node.module] if node.module else []))
    else:
        module = node.module or ""
    return [module] + [f"{module}.{a.name}" for a in node.names]


def _other_app(module: str) -> str | None:
    parts = module.split(".")
    if parts[0] != "districtops" or len(parts) < 2 or parts[1] == "cockpit":
        return None
    return parts[1]


def _type_checking_block(node) -> bool:
    return isinstance(node, ast.If) and ast.unparse(node.test) in ("TYPE_CHECKING", "typing.TYPE_CHECKING")


def _imports(tree: ast.AST):
    """``(import node, inside a function?, inside AppConfig.ready?)`` for every run-time import
    (imports under ``if TYPE_CHECKING:`` are for annotations only)."""

    def walk(node, in_function, in_ready):
        for child in ast.iter_child_nodes(node):
            if _type_checking_block(child):
                continue
            if isinstance(child, ast.Import | ast.ImportFrom):
                yield child, in_function, in_ready
            elif isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda):
                ready = in_ready or getattr(child, "name", "") == "ready"
                yield from walk(child, True, ready)
            else:
                yield from walk(child, in_function, in_ready)

    yield from walk(tree, False, False)


def violations(name: str, source: str) -> list[str]:
    found = []
    for node, in_function, in_ready in _imports(ast.parse(source)):
        modules = _module(node)
        apps = {app for m in modules if (app := _other_app(m))}
        if not apps:
            continue
        models = sorted({".".join(m.split(".")[:3]) for m in modules if m.split(".")[2:3] == ["models"]})
        for module in models:
            if _other_app(module) not in (None, "core") and (
                (name, module) not in MODELS_ALLOWED or name == "sections.py"
            ):
                found.append(f"{name}:{node.lineno} imports {module} (use that app's cockpit.py)")
        if in_function and not (name == "apps.py" and in_ready):
            found.append(f"{name}:{node.lineno} imports {', '.join(sorted(apps))} inside a function")
    return found


def test_the_cockpit_reads_no_other_models_and_imports_apps_at_module_top():
    offenders = [v for path in _sources() for v in violations(path.name, path.read_text(encoding="utf-8"))]
    assert offenders == []


def test_every_feeding_module_has_its_cockpit_module_and_sections_import_them_at_top():
    for app in FEEDERS:
        assert (PACKAGE / app / "cockpit.py").is_file(), app
    tree = ast.parse((COCKPIT / "sections.py").read_text(encoding="utf-8"))
    top = {m for node in tree.body if isinstance(node, ast.ImportFrom) for m in _module(node)}
    assert {f"districtops.{app}.cockpit" for app in FEEDERS} <= top


def test_the_rule_catches_a_models_import_and_a_function_local_import():
    source = (
        "from districtops.hazards.models import Hazard\n"
        "from districtops.hazards import cockpit\n"
        "def section(ctx):\n"
        "    from districtops.supervision import cockpit as s\n"
        "    from . import yearend\n"
        "    return s\n"
    )
    assert violations("sections.py", source) == [
        "sections.py:1 imports districtops.hazards.models (use that app's cockpit.py)",
        "sections.py:4 imports supervision inside a function",
    ]
    # An allowed models import is allowed only in its own file, never in the composition.
    assert violations("services.py", "from districtops.org.models import Unit\n") == []
    assert violations("sections.py", "from districtops.org.models import Unit\n") != []
    assert violations("views.py", "from districtops.org import models\n") != []
    assert violations("models.py", "from districtops.core.models import VersionedModel\n") == []
    # Django's place for app wiring and annotation-only imports are not dependencies at run time.
    ready = "class C:\n    def ready(self):\n        from districtops.jobs import registry\n"
    assert violations("apps.py", ready) == []
    assert violations("forms.py", ready) != []
    typing = "if TYPE_CHECKING:\n    from districtops.org.models import Unit\n"
    assert violations("figures.py", typing) == []
