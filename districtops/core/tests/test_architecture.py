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


# --- Lists: one filter definition (core/listing.py) ----------------------------------------------
# Every list declares its filters once, as a ``gate.listing.ListFilters``; the page reads
# request.GET through ``XFilters.from_params``, the API declares ``filters: XFilters = Query(...)``.
FILTER_MODULES = (
    "districtops.supervision.filters",
    "districtops.hazards.filters",
    "districtops.deputies.filters",
    "districtops.projects.filters",
    "districtops.economy.quality",
    "districtops.audit.filters",
    "districtops.citizen.filters",
)
# Not yet folded in — lists (and non-list pages) that still read their own parameters, each a
# conversion of its own: the accounts list's search, the cockpit's
# period, the enterprise list's street, the org tree's kind, the construction import template's
# category (a choice of template, no filter), the delivery failures form.
LIST_FILTER_EXCEPTIONS = {
    ("accounts/views.py", "q"),
    ("cockpit/views.py", "period"),
    ("economy/views.py", "id_param(request.GET)"),  # the enterprise list: street, sector, q
    ("economy/views.py", "sector"),
    ("economy/views.py", "q"),
    ("economy/views.py", "unit"),  # the dashboards' unit and period choose a page, not rows
    ("economy/views.py", "period"),
    ("org/views.py", "kind"),
    ("org/views.py", "q"),
    ("org/views.py", "id_param(request.GET)"),
    ("projects/views.py", "category"),
}
# GET handlers with loose filter-like arguments that are not the lists above: the enterprise
# list (not yet folded in), indicator and release figures of one unit and period, the unit tree,
# the plan baselines of a district.
API_EXCEPTIONS = {
    ("economy/api.py", "list_enterprises"),
    ("economy/api.py", "indicators"),
    ("economy/api.py", "period_progress"),
    ("org/api.py", "list_units"),
    ("projects/api.py", "list_baselines"),
}
# Callees that may read request.GET whole: the list definitions themselves, Django forms (a
# form's ``initial``), the battle map's baseline choice.
GET_READERS = re.compile(r"(\.from_params$|[Ff]orm(_class)?$|^baselines\.)")


def _filter_names() -> set[str]:
    import importlib

    from districtops.gate.listing import ListFilters

    for module in FILTER_MODULES:
        importlib.import_module(module)
    names, todo = set(), list(ListFilters.__subclasses__())
    while todo:
        cls = todo.pop()
        names |= set(cls.model_fields)
        todo += cls.__subclasses__()
    return names


def _is_get(node) -> bool:
    """``request.GET`` or ``request.GET.dict()``."""
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "dict":
        node = node.func.value
    return isinstance(node, ast.Attribute) and node.attr == "GET"


def _view_filter_reads(source: str, names: set[str]):
    """(line, what) for each place a view reads a list filter out of request.GET by itself."""
    tree = ast.parse(source)
    for node in ast.walk(tree):
        # request.GET.get("state") / request.GET["state"]
        key = None
        if (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute)
            and node.func.attr in ("get", "getlist")
            and _is_get(node.func.value)
            and node.args
            and isinstance(node.args[0], ast.Constant)
        ):
            key = node.args[0].value
        elif isinstance(node, ast.Subscript) and _is_get(node.value) and isinstance(node.slice, ast.Constant):
            key = node.slice.value
        if key in names:
            yield node.lineno, key
        # request.GET handed to a function that filters with it
        if isinstance(node, ast.Call):
            callee = ast.unparse(node.func)
            args = [*node.args, *(k.value for k in node.keywords)]
            if any(_is_get(a) for a in args) and not GET_READERS.search(callee):
                yield node.lineno, f"{callee}(request.GET)"


def _api_filter_rebuilds(source: str, names: set[str]):
    """(line, what) for each API handler that takes list filters as loose arguments or turns
    them back into a dict of strings for a helper."""
    tree = ast.parse(source)
    for node in ast.walk(tree):
        if isinstance(node, ast.Name) and node.id == "filter_params":
            yield node.lineno, "filter_params"
        # a dict of filters handed to a helper (``params = {...}``, ``f(user, {...})``); a
        # response body returned is no such dict
        handed = []
        if isinstance(node, ast.Assign) and isinstance(node.value, ast.Dict):
            handed.append(node.value)
        if isinstance(node, ast.Call) and not ast.unparse(node.func).endswith(".append"):  # a response row
            handed += [a for a in [*node.args, *(k.value for k in node.keywords)] if isinstance(a, ast.Dict)]
        for d in handed:
            keys = {k.value for k in d.keys if isinstance(k, ast.Constant)}
            if len(keys & names) >= 2:
                yield d.lineno, "dict of filters " + ", ".join(sorted(keys & names))
        if isinstance(node, ast.FunctionDef):
            routes = [
                d for d in node.decorator_list
                if isinstance(d, ast.Call) and ast.unparse(d.func) in ("router.get", "api.get")
            ]  # fmt: skip
            if not routes:
                continue
            loose = [a.arg for a in node.args.args if a.arg in names]
            if len(loose) >= 2:
                yield node.lineno, node.name


def test_list_views_read_filters_through_their_definition():
    names = _filter_names()
    offenders = []
    for path in sorted(PACKAGE.glob("*/views*.py")):
        rel = str(path.relative_to(PACKAGE))
        for line, what in _view_filter_reads(path.read_text(), names):
            if (rel, what) not in LIST_FILTER_EXCEPTIONS:
                offenders.append(f"{rel}:{line} {what}")
    assert not offenders, "read the list's filters with XFilters.from_params(request.GET):\n" + "\n".join(
        offenders
    )


def test_api_handlers_declare_the_list_filters():
    names = _filter_names()
    offenders = []
    for path in sorted(PACKAGE.glob("*/api.py")):
        rel = str(path.relative_to(PACKAGE))
        offenders += [
            f"{rel}:{line} {what}"
            for line, what in _api_filter_rebuilds(path.read_text(), names)
            if (rel, what) not in API_EXCEPTIONS
        ]
    assert not offenders, "declare `filters: XFilters = Query(...)`:\n" + "\n".join(offenders)


def test_the_list_rules_catch_the_old_code():
    names = {"state", "overdue", "open", "district", "q", "stalled"}
    view = (
        "def matter_list(request):\n"
        "    matters = filtered_matters(request.user, request.GET)\n"
        "    s = request.GET.get('state', '')\n"
        "    p = filters.construction(qs, request.GET.dict(), today)\n"
        "    f = MatterFilters.from_params(request.GET)\n"
        "    page = request.GET.get('page')\n"
        "    form = FailureFilterForm(request.GET or None)\n"
    )
    assert [line for line, _ in _view_filter_reads(view, names)] == [2, 3, 4]
    api = (
        "@router.get('/matters')\n"
        "def list_matters(request, state: S | None = None, overdue: bool = False, limit: int = 1):\n"
        "    params = filter_params(state=state, overdue=overdue)\n"
        "    return page(filtered(request.auth, {'q': q, 'stalled': '1' if stalled else ''}), limit, 0)\n"
        "@router.get('/hazards')\n"
        "def list_hazards(request, filters: HazardFilters = Query(...), limit: int = 1):\n"
        "    return page(filters.rows(request.auth), limit, 0)\n"
    )
    assert sorted({line for line, _ in _api_filter_rebuilds(api, names)}) == [2, 3, 4]
    assert not list(_api_filter_rebuilds("def f():\n    return {'state': 1, 'q': 2}\n", names))
