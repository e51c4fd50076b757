"""Project rules enforced by a test instead of memory (as Zulip lints its own):
views and API handlers never write to the database themselves — services do."""

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[2]
WRITE_METHODS = {
    "save",
    "delete",
    "create",
    "bulk_create",
    "bulk_update",
    "update",
    "get_or_create",
    "update_or_create",
    "add",
    "remove",
    "set",
    "clear",
}
# Calls that look like writes but are not database writes.
ALLOWED = {
    ("accounts/views.py", "save"),  # segno renders the QR code into a buffer
}


def _handler_files():
    yield from sorted(PACKAGE.glob("*/views*.py")) + sorted(PACKAGE.glob("*/api*.py"))


def _writes(path: Path):
    tree = ast.parse(path.read_text(), filename=str(path))
    for node in ast.walk(tree):
        if (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute)
            and node.func.attr in WRITE_METHODS
        ):
            receiver = ast.unparse(node.func.value)
            method = node.func.attr
            if receiver in {"router", "api"}:
                continue  # @router.delete(...) declares an HTTP method
            if (
                method in {"update", "add", "remove", "set", "clear"}
                and "objects" not in receiver
                and not receiver.endswith(("_set", "units", "members"))
            ):
                continue  # dict.update(), set.add(), … — not the ORM
            if method == "create" and "objects" not in receiver and not receiver.endswith("_set"):
                continue
            yield method, receiver, node.lineno


def test_views_and_api_handlers_do_not_write_to_the_orm():
    offenders = []
    for path in _handler_files():
        rel = str(path.relative_to(PACKAGE))
        for method, receiver, line in _writes(path):
            if (rel, method) in ALLOWED:
                continue
            offenders.append(f"{rel}:{line} {receiver}.{method}()")
    assert not offenders, "write through a service instead:\n" + "\n".join(offenders)


def test_the_rule_catches_a_direct_write(tmp_path):
    sample = tmp_path / "views.py"
    sample.write_text(
        "def v(request):\n    Unit.objects.create(name='x')\n    obj.save()\n    d.update(a=1)\n"
    )
    found = {(m, r) for m, r, _ in _writes(sample)}
    assert found == {("create", "Unit.objects"), ("save", "obj")}
