"""The code dictionary (core/dictionary.py) and the pages that show codes to a person.

The walk below opens the history tab, the audit log and its records, the import pages and
the job pages for objects made the ordinary way, and fails on any visible text that looks
like a developer code (``closure_requested``, ``matter.verify_close``, ``lead_unit_id``).
"""

import re
from html.parser import HTMLParser

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import translation

from districtops.core import dictionary

pytestmark = pytest.mark.django_db

CODE = re.compile(r"[a-z]+_[a-z_]+|\w+\.\w+_\w+")


class _Text(HTMLParser):
    """Visible text of a page: no tags, no attributes, nothing inside <script>/<style>/<template>."""

    def __init__(self):
        super().__init__()
        self.parts, self.hidden = [], 0

    def handle_starttag(self, tag, attrs):
        if tag in ("script", "style", "template"):
            self.hidden += 1
        if tag == "option":  # a drop-down's choices are read by a person too
            self.parts.append(" ")

    def handle_endtag(self, tag):
        if tag in ("script", "style", "template"):
            self.hidden -= 1

    def handle_data(self, data):
        if not self.hidden:
            self.parts.append(data)


def visible_text(html: str) -> str:
    parser = _Text()
    parser.feed(html)
    return " ".join(" ".join(parser.parts).split())


def codes_on(client, path) -> list[str]:
    """Code-like words on the page; usernames (data a person typed, e.g. jinshui_leader) pass."""
    from django.contrib.auth import get_user_model

    response = client.get(path)
    assert response.status_code == 200, (path, response.status_code)
    usernames = set(get_user_model().objects.values_list("username", flat=True))
    return [c for c in CODE.findall(visible_text(response.content.decode())) if c not in usernames]


@pytest.fixture
def story(org, users, settings, tmp_path):
    """A matter taken through its whole cycle, a password reset, an import and a job."""
    settings.MEDIA_ROOT = tmp_path / "media"
    from districtops.accounts.services import reset_password
    from districtops.jobs.services import run_job, start_job
    from districtops.supervision import services as sv

    units = {u.name: u for u in org["districts"]["410104"].children.all()}
    matter = sv.assign_matter(
        users["supervisor"], title="背街小巷改造", lead_unit=units["南关街街道"],
        supporting_units=[units["城建局"]], working_days=10,
    )  # fmt: skip
    matter = sv.acknowledge(users["nanguan"], matter)
    matter = sv.report_progress(users["nanguan"], matter, progress=60, note="完成北段")
    matter = sv.request_closure(users["nanguan"], matter, note="已全部完成")
    matter = sv.return_for_rework(users["supervisor"], matter, note="缺照片")
    matter = sv.request_closure(users["nanguan"], matter, note="已补照片")
    matter = sv.verify_close(users["supervisor"], matter, note="同意")
    reset_password(users["secadmin"], users["nanguan"])
    job = run_job(start_job(users["auditadmin"], "audit.verify_chain", enqueue=False).pk)
    return {"matter": matter, "job": job}


def test_history_tab_reads_in_words(story, login):
    matter = story["matter"]
    client = login("supervisor")
    path = f"/audit/history/supervision/matter/{matter.pk}/"
    assert codes_on(client, path) == []
    text = visible_text(client.get(path).content.decode())
    for words in ("审核办结", "退回重办", "申请办结", "已办结", "牵头单位", "南关街街道", "城建局", "新建"):
        assert words in text, words
    assert "lead_unit_id" not in text and "closure_requested" not in text


def test_history_resolves_names_in_one_query_per_model(story, org, users):
    from districtops.audit.models import AuditRecord
    from districtops.supervision import services as sv

    units = {u.name: u for u in org["districts"]["410104"].children.all()}
    for n in range(5):
        sv.assign_matter(users["supervisor"], title=f"事项{n}", lead_unit=units["南关街街道"], working_days=5)
    records = list(AuditRecord.objects.filter(object_type="supervision.matter"))
    assert len(records) >= 10
    with CaptureQueriesContext(connection) as queries:
        entries = dictionary.present_records(records)
    # org.unit (lead and supporting units), accounts.user (responsible leader) at most: no N+1.
    assert len(queries) <= 2, [q["sql"] for q in queries]
    assert any("南关街街道" in after for e in entries for _label, _b, after in e["changes"])


def test_the_audit_log_and_its_filters_speak_chinese(story, login):
    client = login("auditadmin")
    assert codes_on(client, "/audit/") == []
    html = client.get("/audit/").content.decode()
    assert '<option value="matter.verify_close">审核办结</option>' in html
    assert '<option value="supervision.matter">' in html and "督办事项" in visible_text(html)
    assert codes_on(client, "/audit/?action=matter.verify_close") == []
    from districtops.audit.models import AuditRecord

    first_of_each = {}
    for record in AuditRecord.objects.order_by("-seq"):
        first_of_each.setdefault((record.action, record.object_type), record)
    assert len(first_of_each) >= 8
    for record in first_of_each.values():
        assert codes_on(client, f"/audit/{record.seq}/") == [], (record.action, record.object_type)


def test_security_events_stay_out_of_other_peoples_history(story, login, users):
    """Issue 11, 4(c): a district member never sees another person's password reset."""
    path = f"/audit/history/accounts/user/{users['nanguan'].pk}/"
    for username in ("supervisor", "leader", "chengjian"):
        page = login(username).get(path)
        assert page.status_code in (200, 404), username
        assert "重置密码" not in page.content.decode(), username
    for username in ("secadmin", "auditadmin"):
        page = login(username).get(path)
        if page.status_code == 200:
            assert "重置密码" in page.content.decode(), username


def test_the_history_query_filters_security_events_for_everyone_but_their_admins(story, users):
    from districtops.audit.views import SECURITY_ACTIONS, history_records

    person = users["nanguan"]
    assert "password_reset" not in {r.action for r in history_records(users["supervisor"], person)}
    assert "password_reset" in {r.action for r in history_records(users["secadmin"], person)}
    assert {"login", "password_reset", "lock", "totp_reset"} <= SECURITY_ACTIONS


def test_job_pages_read_in_words(story, login):
    client = login("auditadmin")
    assert codes_on(client, f"/jobs/{story['job'].pk}/") == []
    assert codes_on(client, "/jobs/") == []
    assert "校验审计链" in visible_text(client.get("/jobs/").content.decode())


def test_import_summaries_and_rules_read_in_words(org, login):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from districtops.economy.reference import ensure_reference_data
    from districtops.economy.samples import fictional_credit_code, xlsx_bytes

    ensure_reference_data()
    header = [
        "单位详细名称",
        "统一社会信用代码",
        "行业代码",
        "统计用区划代码",
        "营业收入（万元）",
        "重点企业",
    ]
    content = xlsx_bytes(
        [header, ["示例机械制造有限公司", fictional_credit_code(1), "3411", "410104003000", 30000, "是"]]
    )
    client = login("tongji")
    response = client.post(
        "/economy/imports/", {"kind": "enterprises", "file": SimpleUploadedFile("名录.xlsx", content)}
    )
    text = visible_text(response.content.decode())
    assert "新增：1" in text, text
    assert CODE.findall(text) == []
    assert codes_on(client, "/economy/imports/") == []
    rules = client.get("/economy/rules/").content.decode()
    assert CODE.findall(visible_text(rules)) == [] and "允许误差（元）：1" in visible_text(rules)


def test_open311_channel_is_a_word(org, login):
    from districtops.citizen import demo as citizen_demo
    from districtops.citizen.models import Report

    citizen_demo.load()
    report = Report.objects.filter(channel="web").first() or Report.objects.first()
    text = visible_text(login("supervisor").get(f"/citizen/reports/{report.pk}/").content.decode())
    assert dictionary.channel_label(report.channel) in text and "渠道 web" not in text


def test_every_action_the_code_writes_has_a_label():
    """The explicit table covers every audit action string in the source (found by AST)."""
    import ast
    import pathlib

    root = pathlib.Path(dictionary.__file__).resolve().parent.parent
    found = set()
    for path in root.rglob("*.py"):
        if "tests" in path.parts or "migrations" in path.parts:
            continue
        for node in ast.walk(ast.parse(path.read_text())):
            if not isinstance(node, ast.Call):
                continue
            name = node.func.attr if isinstance(node.func, ast.Attribute) else getattr(node.func, "id", "")
            values = [kw.value for kw in node.keywords if kw.arg == "audit_action"]
            if name in ("record", "append") and len(node.args) >= 2:
                values.append(node.args[1])
            for value in values:
                found |= {
                    c.value
                    for c in ast.walk(value)
                    if isinstance(c, ast.Constant) and isinstance(c.value, str)
                }
    found = {f for f in found if re.fullmatch(r"[a-z_.]+", f) and not f.endswith(".")}
    assert len(found) > 20
    missing = sorted(f for f in found if dictionary.action_label(f) == f)
    assert missing == []


def test_labels_have_english():
    with translation.override("en"):
        assert dictionary.action_label("matter.verify_close") != "审核办结"
        assert dictionary.action_label("password_reset") == "Reset password"
        assert dictionary.job_label("cockpit.briefing") == "Monthly economic briefing"
        assert dictionary.model_label("accounts.user") == "People"
        assert dictionary.key_label("new_versions") == "Corrected versions"


def test_every_field_of_every_model_has_a_label():
    """History shows any field that changed: none may fall back to Django's “lead unit”."""
    from django.apps import apps

    missing = []
    for model in apps.get_models():
        if not model.__module__.startswith("districtops."):
            continue
        for field in [*model._meta.concrete_fields, *model._meta.many_to_many]:
            label = dictionary.field_label(model, field.name)
            if (
                label == field.name.replace("_", " ")
                or label == "ID"
                or not re.search(r"[\u4e00-\u9fff]", label)
            ):
                missing.append(f"{model._meta.label_lower}.{field.name}")
    assert missing == []
    assert dictionary.field_label(apps.get_model("supervision.matter"), "lead_unit_id") == "牵头单位"


def test_every_model_has_a_label():
    from django.apps import apps

    missing = [
        m._meta.label_lower
        for m in apps.get_models()
        if m.__module__.startswith("districtops.")
        and not re.search(r"[\u4e00-\u9fff]", dictionary.model_label(m._meta.label_lower))
    ]
    assert missing == []
    assert dictionary.model_label("supervision.reminder") == "督办提醒"
