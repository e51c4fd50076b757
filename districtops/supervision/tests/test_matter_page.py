"""The matter page's action panel, attachments, 协办反馈, the notice, bad input, meeting terms."""

import datetime as dt
import io
import re

import pytest
from django.core.exceptions import PermissionDenied
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from PIL import Image

from districtops.audit.models import AuditRecord
from districtops.supervision import forms, policies, services, states
from districtops.supervision.models import Matter, MatterAttachment, MatterEvent
from districtops.supervision.states import MatterState as S

from .factories import matter


def png_bytes(colour=(200, 30, 30)) -> bytes:
    buf = io.BytesIO()
    Image.new("RGB", (40, 30), colour).save(buf, "PNG")
    return buf.getvalue()


def photo(name="现场.png"):
    return SimpleUploadedFile(name, png_bytes(), content_type="image/png")


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def url(m, action):
    return reverse("supervision:matter_action", args=[m.pk, action])


def panel(client, m) -> set[str]:
    body = client.get(m.get_absolute_url()).content.decode()
    return set(re.findall(r'data-testid="action-([a-z_]+)"', body))


def test_every_action_has_a_form_and_a_side():
    panel_actions = set(states.ACTIONS) - {"decide_extension"}
    assert set(forms.ACTION_FORMS) == panel_actions
    assert set(states.SIDE) == set(states.ACTIONS)
    for action, form in forms.ACTION_FORMS.items():
        for name, field in form.base_fields.items():
            if name not in ("version", "confirmed"):
                assert field.label, (action, name)


def test_offered_actions_follow_side_state_and_condition(org, users, login):
    m = matter(org["units"], state=S.ASSIGNED, deadline=dt.date(2021, 4, 30))
    # The supervisor has "change" on every matter of the district, but 签收 is the lead unit's.
    assert panel(login("supervisor"), m) == {"remind", "add_opinion"}
    assert "acknowledge" not in policies.offered(users["supervisor"], m)
    # Not overdue (today is 2021-03-31): no 说明逾期原因; the lead signs and may ask for more time.
    assert panel(login("nanguan"), m) == {"acknowledge", "request_extension"}
    assert panel(login("chengjian"), m) == {"support_feedback"}
    overdue = matter(org["units"], state=S.IN_PROGRESS, deadline=dt.date(2021, 3, 20))
    assert "record_overdue_reason" in panel(login("nanguan"), overdue)
    waiting = matter(org["units"], state=S.CLOSURE_REQUESTED)
    assert {"verify_close", "return_for_rework"} <= panel(login("supervisor"), waiting)
    assert not {"verify_close", "return_for_rework"} & panel(login("nanguan"), waiting)


def test_refusals_by_side(org, users, login):
    m = matter(org["units"], state=S.ASSIGNED)
    with pytest.raises(PermissionDenied, match="牵头单位"):
        services.acknowledge(users["supervisor"], m)
    assert login("supervisor").post(url(m, "acknowledge"), {"version": m.version}).status_code == 403
    waiting = matter(org["units"], state=S.CLOSURE_REQUESTED, title="待审核")
    assert (
        login("nanguan").post(url(waiting, "verify_close"), {"version": waiting.version}).status_code == 403
    )
    with pytest.raises(PermissionDenied):
        services.verify_close(users["nanguan"], waiting)
    waiting.refresh_from_db()
    assert waiting.state == S.CLOSURE_REQUESTED


def test_support_feedback_by_supporting_unit_only(org, users, login):
    m = matter(org["units"], state=S.IN_PROGRESS)
    r = login("chengjian").post(
        url(m, "support_feedback"),
        {"version": m.version, "note": "管线迁改已完成 300 米", "photos": [photo()]},
    )
    assert r.status_code == 302
    event = MatterEvent.objects.get(matter=m, action="support_feedback")
    assert event.unit.name == "城建局" and event.attachments.count() == 1
    audit = AuditRecord.objects.filter(action="matter.support_feedback", object_id=str(m.pk)).get()
    assert "现场.png" in audit.message
    # The lead unit reads it on the page and in its closure request form.
    body = login("nanguan").get(m.get_absolute_url()).content.decode()
    closure = body.split('data-testid="closure-feedback"', 1)[1].split("</div></div>", 1)[0]
    assert "管线迁改已完成 300 米" in closure and "城建局" in closure
    # Refusals: the lead unit is not a supporting unit; another street does not see the matter.
    assert (
        login("nanguan").post(url(m, "support_feedback"), {"version": m.version, "note": "x"}).status_code
        == 403
    )
    with pytest.raises(PermissionDenied, match="配合单位"):
        services.support_feedback(users["nanguan"], m, note="x")
    assert login("beixiajie").post(url(m, "support_feedback"), {"note": "x"}).status_code == 404
    assert MatterEvent.objects.filter(matter=m, action="support_feedback").count() == 1


def test_progress_photo_shown_and_served_through_the_gate(org, login):
    m = matter(org["units"], state=S.ACKNOWLEDGED)
    street = login("nanguan")
    r = street.post(
        url(m, "report_progress"),
        {"version": m.version, "progress": 40, "note": "拆除违建 6 处", "photos": [photo()],
         "files": [SimpleUploadedFile("方案.pdf", b"%PDF-1.4 test", content_type="application/pdf")]},
    )  # fmt: skip
    assert r.status_code == 302
    image, pdf = MatterAttachment.objects.filter(event__matter=m).order_by("id")
    body = street.get(m.get_absolute_url()).content.decode()
    assert f'src="{image.url}"' in body and f'href="{pdf.url}"' in body
    shown = login("supervisor").get(image.url)
    assert shown.status_code == 200 and shown["Content-Type"] == "image/png"
    assert "attachment" in login("chengjian").get(pdf.url)["Content-Disposition"]
    assert login("beixiajie").get(image.url).status_code == 404


def test_bad_input_at_the_field_and_nothing_written(org, login):
    m = matter(org["units"], state=S.ACKNOWLEDGED)
    street = login("nanguan")
    events = MatterEvent.objects.filter(matter=m).count()
    fake = SimpleUploadedFile("现场.jpg", b"MZ\x90\x00 not a photo", content_type="image/jpeg")
    r = street.post(
        url(m, "report_progress"), {"version": m.version, "progress": 40, "note": "x", "photos": [fake]}
    )
    body = r.content.decode()
    assert r.status_code == 200
    assert re.search(r'data-field-error="photos">[^<]*内容与扩展名不符（实际是可执行程序）', body)
    r = street.post(url(m, "report_progress"), {"version": m.version, "progress": 40, "note": "  "})
    assert 'data-field-error="note">请填写进展情况。' in r.content.decode()
    r = street.post(url(m, "report_progress"), {"version": m.version, "progress": 140, "note": "x"})
    assert 'data-field-error="progress"' in r.content.decode()
    m.refresh_from_db()
    assert (m.state, m.progress, MatterEvent.objects.filter(matter=m).count()) == (S.ACKNOWLEDGED, 0, events)
    assert not MatterAttachment.objects.exists()


def test_stale_form_and_double_click(org, login):
    m = matter(org["units"], state=S.ACKNOWLEDGED)
    street = login("nanguan")
    data = {"version": m.version, "progress": 30, "note": "第一次报送"}
    assert street.post(url(m, "report_progress"), data).status_code == 302
    again = street.post(url(m, "report_progress"), data).content.decode()
    assert "请勿重复提交" in again
    assert MatterEvent.objects.filter(matter=m, action="report_progress").count() == 1
    # A state-changing action clicked twice: the second is "already done", not a state error.
    m.refresh_from_db()
    closure = {"version": m.version, "note": "全部完成"}
    street.post(url(m, "request_closure"), closure)
    r = street.post(url(m, "request_closure"), closure, follow=True)
    assert "请勿重复提交" in r.content.decode()
    assert MatterEvent.objects.filter(matter=m, action="request_closure").count() == 1
    # Someone else changed it meanwhile: a conflict, nothing written.
    other = matter(org["units"], state=S.ACKNOWLEDGED, title="另一事项")
    old = other.version
    services.remind(None, other)
    r = street.post(url(other, "report_progress"), {"version": old, "progress": 10, "note": "x"})
    assert "已被他人修改" in r.content.decode()
    assert not MatterEvent.objects.filter(matter=other, action="report_progress").exists()


def test_return_needs_confirmation_and_shows_reason_to_lead(org, login):
    m = matter(org["units"], state=S.CLOSURE_REQUESTED)
    office = login("supervisor")
    r = office.post(url(m, "return_for_rework"), {"version": m.version, "note": ""})
    assert 'data-field-error="note">请填写退回理由。' in r.content.decode()
    r = office.post(url(m, "return_for_rework"), {"version": m.version, "note": "缺少验收照片"})
    body = r.content.decode()
    assert (
        'data-testid="confirm-card"' in body
        and "缺少验收照片" in body
        and 'name="confirmed" value="1"' in body
    )
    m.refresh_from_db()
    assert m.state == S.CLOSURE_REQUESTED
    office.post(url(m, "return_for_rework"), {"version": m.version, "note": "缺少验收照片", "confirmed": "1"})
    m.refresh_from_db()
    assert m.state == S.RETURNED
    body = login("nanguan").get(m.get_absolute_url()).content.decode()
    alert = body.split('data-testid="returned-alert"', 1)[1].split("</div>\n</div>", 1)[0]
    assert "缺少验收照片" in alert and "请按退回理由重新办理" in alert
    assert body.index('data-testid="returned-alert"') < body.index('data-testid="actions-card"')


def test_verify_confirmation_page(org, login):
    m = matter(org["units"], state=S.CLOSURE_REQUESTED)
    r = login("supervisor").post(url(m, "verify_close"), {"version": m.version})
    assert 'data-testid="confirm-card"' in r.content.decode()
    m.refresh_from_db()
    assert m.state == S.CLOSURE_REQUESTED


def test_overdue_reason_with_attachment(org, login):
    m = matter(org["units"], state=S.IN_PROGRESS, deadline=dt.date(2021, 3, 20))
    r = login("nanguan").post(
        url(m, "record_overdue_reason"),
        {
            "version": m.version,
            "reason": "征收协议未签",
            "files": [SimpleUploadedFile("说明.pdf", b"%PDF-1.7 x")],
        },
    )
    assert r.status_code == 302
    m.refresh_from_db()
    assert m.overdue_reason == "征收协议未签"
    assert (
        MatterAttachment.objects.filter(event__matter=m, event__action="record_overdue_reason").count() == 1
    )
    fresh = matter(org["units"], state=S.IN_PROGRESS, title="未逾期")
    r = login("nanguan").post(
        url(fresh, "record_overdue_reason"), {"version": fresh.version, "reason": "x"}, follow=True
    )
    assert "尚未逾期" in r.content.decode()


def test_notice_page(org, login):
    m = matter(org["units"], state=S.ASSIGNED, basis="区长办公会议纪要〔2021〕3号")
    body = login("nanguan").get(reverse("supervision:matter_notice", args=[m.pk])).content.decode()
    for text in (
        m.code,
        m.title,
        "区长办公会议纪要〔2021〕3号",
        "南关街街道",
        "城建局",
        "2021年4月30日",
        "督查室（盖章）",
    ):
        assert text in body, text
    assert "<script>" not in body.replace('<script src="/static/supervision/notice.js"></script>', "")
    assert login("beixiajie").get(reverse("supervision:matter_notice", args=[m.pk])).status_code == 404


def test_meeting_conversion_takes_matter_terms(org, users, login):
    units = org["units"]
    meeting = services.create_meeting(
        None,
        organiser=units["双改办"],
        title="推进会",
        held_on=dt.date(2021, 3, 30),
        chaired_by="王区长（示例）",
    )
    services.add_decision(
        None, meeting, text="背街小巷 4 月完成", lead_unit=units["南关街街道"], deadline=dt.date(2021, 4, 30)
    )
    services.add_decision(None, meeting, text="路灯修复", lead_unit=units["城建局"])
    office = login("supervisor")
    body = office.get(meeting.get_absolute_url()).content.decode()
    assert re.search(rf'<option value="{users["leader"].pk}" selected>', body)
    assign = reverse("supervision:meeting_assign", args=[meeting.pk])
    r = office.post(assign, {"priority": "high", "frequency": "weekly"})
    assert 'data-field-error="working_days">第 2 项议定事项没有完成时限' in r.content.decode()
    assert not Matter.objects.filter(source="meeting").exists()
    r = office.post(
        assign,
        {
            "priority": "high",
            "frequency": "weekly",
            "working_days": 5,
            "responsible_leader": users["leader"].pk,
        },
    )
    assert r.status_code == 302
    dated, counted = Matter.objects.filter(source="meeting").order_by("id")
    assert dated.deadline == dt.date(2021, 4, 30) and dated.working_days is None
    assert counted.working_days == 5 and counted.deadline == dt.date(2021, 4, 8)  # 清明 4-3..4-5
    assert {dated.priority, counted.priority} == {"high"} and counted.frequency == "weekly"
    assert counted.responsible_leader == users["leader"]


@pytest.mark.parametrize(
    "name,content,says",
    [
        ("空.pdf", b"", "空文件"),
        ("程序.pdf", b"MZ\x90\x00\x03", "可执行程序"),
        ("照片.png", b"%PDF-1.4 not a png", "内容与扩展名不符"),
        ("脚本.html", b"<script>alert(1)</script>", "不接受"),
        ("加密.xlsx", None, "已加密"),
        ("部件过多.xlsx", None, "部件"),
    ],
)
def test_closure_attachment_refused_at_the_field(org, login, settings, name, content, says):
    from districtops.core.tests import hostile_files

    if name == "加密.xlsx":
        content = hostile_files.encrypted_ooxml()
    if name == "部件过多.xlsx":
        settings.EXCEL_MAX_ZIP_ENTRIES = 50
        content = hostile_files.many_entries(200)
    m = matter(org["units"], state=S.IN_PROGRESS)
    r = login("nanguan").post(
        url(m, "request_closure"),
        {"version": m.version, "note": "全部完成", "files": [SimpleUploadedFile(name, content)]},
    )
    assert re.search(rf'data-field-error="files">[^<]*{says}', r.content.decode()), says
    m.refresh_from_db()
    assert m.state == S.IN_PROGRESS and not MatterAttachment.objects.exists()


def test_detail_query_count_does_not_grow_with_the_log(org, login):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    m = matter(org["units"], state=S.IN_PROGRESS)
    c = login("nanguan")

    def queries():
        with CaptureQueriesContext(connection) as ctx:
            assert c.get(m.get_absolute_url()).status_code == 200
        return len(ctx.captured_queries)

    c.get(m.get_absolute_url())
    few = queries()
    for i in range(6):
        m = services.report_progress(
            None, m, progress=10 + i, note=f"第 {i} 次", attachments=[photo(f"{i}.png")]
        )
        m = services.support_feedback(None, m, note=f"反馈 {i}", attachments=[photo(f"f{i}.png")])
    assert queries() == few


def test_panel_in_english(org, login):
    m = matter(org["units"], state=S.CLOSURE_REQUESTED)
    office = login("supervisor")
    office.post("/i18n/setlang/", {"language": "en", "next": "/"})
    body = office.get(m.get_absolute_url()).content.decode()
    assert "Reason for return" in body and "Supervision notice" in body
    r = office.post(url(m, "return_for_rework"), {"version": m.version, "note": ""})
    assert 'data-field-error="note">Please fill in: Reason for return.' in r.content.decode()
