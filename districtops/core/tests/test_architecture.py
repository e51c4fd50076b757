"""Project rules enforced by a test instead of memory (as Zulip lints its own):
views and API handlers never write to the database themselves — services do."""

import ast
import re
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


# --- one place per rule (docs/permissions.md) ---------------------------------------------------

WRITE_SERVICES = {"create_object", "update_object", "delete_object"}


def _source_files():
    for path in sorted(PACKAGE.rglob("*.py")):
        rel = path.relative_to(PACKAGE).as_posix()
        if "/tests/" in f"/{rel}" or "/migrations/" in rel:
            continue
        yield rel, path


def _view_writes(source: str, filename: str = "<sample>"):
    """Calls of the write path that pass ``action="view"`` (or ``scope_action="view"``): the
    write's own permission check switched off by asking for the weakest action."""
    for node in ast.walk(ast.parse(source, filename=filename)):
        if not isinstance(node, ast.Call):
            continue
        func = node.func
        name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
        if name not in WRITE_SERVICES:
            continue
        for kw in node.keywords:
            if (
                kw.arg in {"action", "scope_action"}
                and isinstance(kw.value, ast.Constant)
                and kw.value.value == "view"
            ):
                yield node.lineno, f"{name}({kw.arg}={kw.value.value!r})"


def test_writes_ask_for_their_real_action():
    offenders = [
        f"{rel}:{line} {call}"
        for rel, path in _source_files()
        for line, call in _view_writes(path.read_text(), rel)
    ]
    assert not offenders, "a write asks for its own action (report/change/manage), never view:\n" + "\n".join(
        offenders
    )


def test_the_write_action_rule_catches_view(tmp_path):
    sample = (
        "services.update_object(a, o, {}, expected_version=None, action='view')\n"
        "create_object(a, o, scope_action='view')\n"
        "delete_object(a, o, action='manage')\n"
        "gated_get(M, u, 1, action='view')\n"
    )
    assert [line for line, _ in _view_writes(sample)] == [1, 2]


# A role's value written as a plain string elsewhere is a rule outside the gate. These strings
# are something else that happens to be spelt alike: the demo personas' user names, and the
# projects lists' filter for 分管领导 (responsible_leader, a person's name).
NOT_ROLES = {
    ("citizen/demo.py", "supervisor"),
    ("cockpit/demo.py", "leader"),
    ("deputies/demo.py", "supervisor"),
    ("hazards/demo.py", "supervisor"),
    ("org/demo.py", "leader"),
    ("org/demo.py", "supervisor"),
    ("supervision/demo.py", "supervisor"),
    ("projects/api.py", "leader"),
    ("projects/battlemap.py", "leader"),
    ("projects/filters.py", "leader"),
}


def _role_values() -> set[str]:
    from districtops.org.roles import Role

    return set(Role.values)


def _role_literals(source: str, roles: set[str], filename: str = "<sample>"):
    tree = ast.parse(source, filename=filename)
    inside_fstrings = {
        id(v) for node in ast.walk(tree) if isinstance(node, ast.JoinedStr) for v in node.values
    }
    for node in ast.walk(tree):
        if isinstance(node, ast.Constant) and node.value in roles and id(node) not in inside_fstrings:
            yield node.lineno, node.value


def test_role_names_are_written_only_in_org_roles():
    roles = _role_values()
    offenders = []
    for rel, path in _source_files():
        if rel == "org/roles.py":
            continue
        for line, value in _role_literals(path.read_text(), roles, rel):
            if (rel, value) not in NOT_ROLES:
                offenders.append(f"{rel}:{line} {value!r}")
    for path in sorted(PACKAGE.glob("*/templates/**/*.html")) + sorted(PACKAGE.glob("templates/**/*.html")):
        rel = path.relative_to(PACKAGE).as_posix()
        for number, text in enumerate(path.read_text().splitlines(), 1):
            for tag in re.findall(r"{%.*?%}", text):
                offenders += [
                    f"{rel}:{number} {m!r}" for m in re.findall(r"['\"](\w+)['\"]", tag) if m in roles
                ]
    assert not offenders, "use Role / the role sets of org/roles.py or a policies predicate:\n" + "\n".join(
        offenders
    )


# A state compared with a literal (a filter form's ``params.state == v`` compares two variables).
STATE_COMPARISON = re.compile(r"\.(state|status|grade|escalation)\s*(==|!=)\s*['\"\d]")


def _state_comparisons(text: str):
    for tag in re.findall(r"{%.*?%}", text):
        if STATE_COMPARISON.search(tag):
            yield tag


def test_templates_do_not_repeat_state_rules():
    """Which move a state allows, which colour it wears: the transition tables and the choices say
    (``Finding`` moves, ``releases.moves_from``, ``MatterState.css`` …); a template comparing a
    state to a literal is a second copy of that rule."""
    offenders = []
    for path in sorted(PACKAGE.glob("*/templates/**/*.html")) + sorted(PACKAGE.glob("templates/**/*.html")):
        rel = path.relative_to(PACKAGE).as_posix()
        for number, text in enumerate(path.read_text().splitlines(), 1):
            offenders += [f"{rel}:{number} {tag}" for tag in _state_comparisons(text)]
    assert not offenders, "ask the choices or the transition table in the view:\n" + "\n".join(offenders)


def test_the_state_rule_catches_a_comparison():
    sample = "{% if f.status == 'open' %}x{% endif %}{% if params.state == v %}{% endif %}{% if m.is_overdue %}{% endif %}"
    assert list(_state_comparisons(sample)) == ["{% if f.status == 'open' %}"]


def test_the_role_rule_catches_a_bare_role():
    sample = 'has_role(u, "leader", Role.SUPERVISOR)\nx = f"leader{n}@example"\nunits_with({"unit_head"})\n'
    assert list(_role_literals(sample, _role_values())) == [(1, "leader"), (3, "unit_head")]
