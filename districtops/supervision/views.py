import datetime as dt
from urllib.parse import quote

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Prefetch, Q
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.html import format_html
from django.utils.safestring import SafeString
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from districtops.core import attachments as files
from districtops.core import clock, excel
from districtops.core.params import parse_id
from districtops.core.todo import sections_for as todo_sections_for
from districtops.core.uploads import validate_upload
from districtops.gate import permissions
from districtops.gate.listing import export_refused, page_status
from districtops.gate.services import ConflictError
from districtops.gate.views_helpers import apply_service_errors, excel_import_page
from districtops.org.models import Unit
from districtops.org.roles import Role

from . import calendar_io, excel_io, notice, policies, scorecards, services, states, workdays
from .filters import MatterFilters
from .forms import (
    ACTION_FORMS,
    CalendarNoticeForm,
    DecisionForm,
    ExtensionDecisionForm,
    HolidayForm,
    MatterForm,
    MeetingAssignForm,
    MeetingForm,
    ReminderSettingsForm,
    SchemeForm,
)
from .models import (
    CalendarYear,
    Decision,
    Escalation,
    ExtensionRequest,
    HolidayEntry,
    Matter,
    MatterAttachment,
    MatterEvent,
    Meeting,
    Reminder,
    ReminderSettings,
    ScoreScheme,
)
from .states import MatterState
from .templatetags.matters import escalation_badge

LIST_SIZE = 50
DOCX_MIME = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


def _rows(queryset):
    return queryset.select_related("lead_unit").only(*services.TABLE_FIELDS).order_by("deadline", "id")


ROW_HTML = (
    '<tr><td class="text-nowrap">{}</td><td><a href="{}">{}</a></td><td>{}</td>'
    '<td class="text-nowrap">{}</td><td>{}%</td><td><span class="badge {}" data-testid="state">{}</span>{}</td></tr>'
)


def table_rows(matters) -> list[dict]:
    """What the matter table shows, computed once in Python: the to-do page is the busiest page
    and per-row template work (includes, reverse(), properties, then ~15 variable lookups and
    two tags a row) dominated its time. Each row's markup is built with ``format_html``, which
    escapes every value (titles are user text); the template only places the rows."""
    today = clock.today()
    base = reverse("supervision:matter_list")
    labels = dict(MatterState.choices)
    overdue_badge = format_html(' <span class="badge bg-red-lt">{}</span>', _("逾期"))
    escalation_badges = {level: escalation_badge(level) for level in Escalation.values}
    state_css = {state: MatterState(state).css for state in MatterState.values}
    rows = []
    for m in matters:
        overdue = m.is_overdue_on(today)
        badges = (overdue_badge if overdue else SafeString()) + escalation_badges.get(
            m.escalation, SafeString()
        )
        html = format_html(
            ROW_HTML, m.code, f"{base}{m.pk}/", m.title, m.lead_unit.name, m.deadline.isoformat(), m.progress,
            state_css[m.state], labels[m.state], badges,
        )  # fmt: skip
        rows.append({"code": m.code, "title": m.title, "overdue": overdue, "html": html})
    return rows


def _errors_text(exc) -> str:
    if isinstance(exc, ValidationError):
        return "；".join(exc.messages)
    return str(exc)


@login_required
def todo(request):
    """The person's four lists; each shows the first 50 and its total."""
    tab = request.GET.get("tab", "lead")
    lists = services.todo_querysets(request.user)
    base = reverse("supervision:matter_list")
    if tab not in lists:
        tab = "lead"
    counts = {name: qs.count() for name, qs in lists.items()}
    if tab == "review":
        rows = table_rows(services.todo_first_review(request.user, LIST_SIZE))
    else:
        rows = table_rows(_rows(lists[tab])[:LIST_SIZE])
    # In-app reminders: what the daily job left for the person's units in the last week.
    recent = [
        {"kind": r.kind, "label": r.get_kind_display(), "url": f"{base}{r.matter_id}/", "code": r.matter.code,
         "title": r.matter.title, "key_date": r.key_date}
        for r in Reminder.objects.filter(
            unit_id__in=services.my_units(request.user), key_date__gte=clock.today() - dt.timedelta(days=7)
        ).select_related("matter").only("kind", "key_date", "matter__code", "matter__title")[:20]
    ]  # fmt: skip
    return render(
        request,
        "supervision/todo.html",
        {
            "tab": tab,
            "counts": counts,
            "rows": rows,
            "today": clock.today(),
            "reminders": recent,
            "extra_sections": todo_sections_for(request.user),
            "headed_units": Unit.objects.filter(pk__in=policies.headed_units(request.user)),
        },  # fmt: skip
    )


@login_required
def matter_list(request):
    filters = MatterFilters.from_params(request.GET)
    matters = filters.rows(request.user)
    page = Paginator(_rows(matters), LIST_SIZE).get_page(request.GET.get("page"))
    page.rows = table_rows(page.object_list)
    template = "supervision/_matter_rows.html" if request.htmx else "supervision/matter_list.html"
    return render(
        request,
        template,
        {
            "page": page,
            "states": MatterState.choices,
            "escalations": Escalation.choices,
            "params": request.GET,
            "today": clock.today(),
            "can_assign": policies.may_assign(request.user),
            "filters": filters,
            "narrow": filters.active(request.user),
        },
        status=page_status(request, filters),
    )


def _action_form(action, matter, data=None, file_data=None):
    # auto_id keeps the ids unique when a page shows several actions' forms.
    initial = {"version": matter.version}
    if action == "report_progress":
        initial["progress"] = matter.progress
    return ACTION_FORMS[action](data, file_data, initial=initial, auto_id=f"id_{action}_%s")


def _detail_matter(request, pk):
    return get_object_or_404(
        Matter.objects.restrict(request.user, "view")
        .select_related("lead_unit", "district", "responsible_leader", "assigned_by")
        .prefetch_related("supporting_units"),
        pk=pk,
    )


def _detail_context(request, matter, bound=None) -> dict:
    """What the matter page shows. ``bound`` is ``(action, form)`` when an action's form came
    back with errors: it is shown open, with the messages at its fields."""
    events = list(
        MatterEvent.objects.filter(matter=matter)
        .select_related("actor", "unit")
        .prefetch_related("attachments")
    )
    state_labels = dict(MatterState.choices)
    for e in events:
        known = e.action in states.TRANSITIONS or e.action in states.SYSTEM_EVENTS
        e.label = states.label(e.action) if known else _("交办")
        e.from_label, e.to_label = state_labels.get(e.from_state, ""), state_labels.get(e.to_state, "")
    returned = None
    if matter.state == MatterState.RETURNED:
        returned = next((e for e in reversed(events) if e.action == "return_for_rework"), None)
    feedback = [e for e in events if e.action == "support_feedback"]
    actions = []
    for action in policies.offered(request.user, matter):
        form = bound[1] if bound and bound[0] == action else _action_form(action, matter)
        actions.append(
            {"name": action, "label": states.label(action), "form": form, "confirm": action in states.CONFIRM,
             "open": bool(bound and bound[0] == action), "multipart": form.with_files}
        )  # fmt: skip
    if not any(a["open"] for a in actions):
        # The step that moves the matter on (签收, 报送进展, 审核办结 …) is open; the rest are buttons.
        moving = [a for a in actions if states.target(a["name"], matter.state) != matter.state]
        if moving:
            moving[0]["open"] = True
    extensions = ExtensionRequest.objects.filter(matter=matter).select_related("requested_by", "decided_by")
    return {
        "matter": matter,
        "events": events,
        "returned": returned,
        "is_lead": matter.lead_unit_id in services.my_units(request.user),
        "feedback": feedback,
        "extensions": extensions,
        "actions": actions,
        "can_decide": permissions.can(request.user, "manage", matter),
        "decision_form": ExtensionDecisionForm(),
        "today": clock.today(),
    }


@login_required
def matter_detail(request, pk):
    matter = _detail_matter(request, pk)
    return render(request, "supervision/matter_detail.html", _detail_context(request, matter))


@login_required
def matter_create(request):
    if not policies.may_assign(request.user):
        raise PermissionDenied
    form = MatterForm(
        request.POST or None,
        user=request.user,
        initial={"assigned_on": clock.today(), "source": "instruction"},
    )
    if request.method == "POST" and form.is_valid():
        try:
            matter = services.assign_matter(request.user, **form.cleaned_data)
        except (ValidationError, PermissionDenied) as exc:
            apply_service_errors(form, exc)
        else:
            messages.success(request, _("已交办 %(code)s。") % {"code": matter.code})
            return redirect(matter)
    return render(request, "supervision/matter_form.html", {"form": form})


def _run_action(user, matter, action, form):
    """Call the action's service with the form's fields (the service checks everything again)."""
    data, version = form.cleaned_data, form.cleaned_data["version"]
    function = services.ACTION_FUNCTIONS[action]
    if action == "report_progress":
        function(user, matter, progress=data["progress"], note=data["note"], expected_version=version,
                 attachments=form.attachments())  # fmt: skip
    elif action == "request_extension":
        function(
            user, matter, new_deadline=data["new_deadline"], reason=data["reason"], expected_version=version
        )
    elif action == "record_overdue_reason":
        function(
            user, matter, reason=data["reason"], expected_version=version, attachments=form.attachments()
        )
    elif form.with_files:
        function(user, matter, note=data["note"], expected_version=version, attachments=form.attachments())
    else:
        function(user, matter, note=data["note"], expected_version=version)


@login_required
@require_POST
def matter_action(request, pk, action):
    """One action of the panel. The person's side and the gate first (403), then the form: a
    bad field, a stale version or a repeated click comes back on the matter page at the field
    (nothing written). 退回 and 审核办结 first show a confirmation page."""
    matter = _detail_matter(request, pk)
    if action not in ACTION_FORMS:
        raise Http404
    if not permissions.can(request.user, states.TRANSITIONS[action][0], matter) or policies.side_refusal(
        request.user, matter, action
    ):
        raise PermissionDenied
    form = _action_form(action, matter, request.POST, request.FILES)
    if action not in policies.offered(request.user, matter):
        # Not offered now (done already, another state, or its condition fails): say why, at the top.
        repeat = services.repeat_refusal(request.user, matter, action, request.POST.get("version"))
        if repeat:
            messages.warning(request, repeat)
            return redirect(matter)
        try:
            services.check_transition(request.user, matter, action)
        except ValidationError as exc:
            messages.error(request, _errors_text(exc))
        else:
            messages.error(request, _("当前不能%(action)s。") % {"action": states.label(action)})
        return redirect(matter)
    if form.is_valid():
        if action in states.CONFIRM and not form.cleaned_data["confirmed"]:
            if form.cleaned_data["version"] != matter.version:
                form.add_error(None, _("事项已有新的办理记录，请核对后重新操作。"))
            else:
                return render(
                    request, "supervision/matter_confirm.html",
                    {"matter": matter, "action": action, "label": states.label(action), "form": form,
                     "returned": action == "return_for_rework"},
                )  # fmt: skip
        if not form.errors:
            try:
                _run_action(request.user, matter, action, form)
            except (ValidationError, ConflictError) as exc:
                apply_service_errors(form, exc)
            else:
                messages.success(request, _("已%(action)s。") % {"action": states.label(action)})
                return redirect(matter)
    matter = _detail_matter(request, pk)
    return render(request, "supervision/matter_detail.html", _detail_context(request, matter, (action, form)))


@login_required
def matter_attachment(request, pk):
    """A file of a matter's log, to someone who may see the matter (images inline)."""
    attachment = get_object_or_404(MatterAttachment.objects.restrict(request.user, "view"), pk=pk)
    return files.serve(attachment.file, name=attachment.name, kind=attachment.kind)


@login_required
def matter_notice(request, pk):
    """督办通知单: the printable notice of the assignment (A4, one page)."""
    matter = _detail_matter(request, pk)
    return render(
        request,
        "supervision/matter_notice.html",
        {"matter": matter, "requirements": notice_requirements(matter)},
    )


def notice_requirements(matter) -> list[str]:
    """The 办理要求 of a notice: what the lead unit must do, by the matter's own terms."""
    lines = [
        _("请牵头单位收到本通知后及时签收，明确责任人，按要求抓好落实。"),
        _("报送频次：%(f)s；进展情况通过平台报送，附现场照片或佐证材料。")
        % {"f": matter.get_frequency_display()},
        _("请于 %(d)s 前办结并申请办结审核；确需延期的，须在时限前提出延期申请。")
        % {"d": f"{matter.deadline:%Y年%-m月%-d日}"},
    ]
    if matter.supporting_units.all():
        lines.append(_("配合单位按职责做好配合，并通过平台填写协办反馈。"))
    lines.append(_("逾期未办结的，须书面说明逾期原因；督查室将视情催办或挂牌督办。"))
    return lines


@login_required
@require_POST
def extension_decide(request, pk):
    ext = get_object_or_404(ExtensionRequest.objects.restrict(request.user, "manage"), pk=pk)
    form = ExtensionDecisionForm(request.POST)
    if form.is_valid():
        try:
            services.decide_extension(request.user, ext, **form.cleaned_data)
            messages.success(request, _("已审批延期申请。"))
        except ValidationError as exc:
            messages.error(request, _errors_text(exc))
    else:
        messages.error(request, _("请选择审批结果。"))
    return redirect("supervision:matter_detail", pk=ext.matter_id)


@login_required
def meeting_list(request):
    meetings = Meeting.objects.restrict(request.user, "view").select_related("organiser")
    page = Paginator(meetings, LIST_SIZE).get_page(request.GET.get("page"))
    return render(request, "supervision/meeting_list.html", {"page": page})


@login_required
def meeting_create(request):
    form = MeetingForm(request.POST or None, user=request.user, initial={"held_on": clock.today()})
    if request.method == "POST" and form.is_valid():
        try:
            meeting = services.create_meeting(request.user, **form.cleaned_data)
        except (ValidationError, PermissionDenied) as exc:
            apply_service_errors(form, exc)
        else:
            return redirect(meeting)
    return render(request, "supervision/meeting_form.html", {"form": form})


@login_required
def meeting_detail(request, pk, assign_form=None):
    meeting = get_object_or_404(
        Meeting.objects.restrict(request.user, "view").select_related("organiser"), pk=pk
    )
    decisions = (
        Decision.objects.filter(meeting=meeting)
        .select_related("lead_unit", "matter")
        .prefetch_related(Prefetch("supporting_units", queryset=Unit.objects.only("id", "name")))
    )
    can_change = permissions.can(request.user, "change", meeting)
    can_assign = permissions.can(request.user, "manage", meeting)
    return render(
        request,
        "supervision/meeting_detail.html",
        {
            "meeting": meeting,
            "decisions": decisions,
            "can_change": can_change,
            "can_assign": can_assign,
            "form": DecisionForm(user=request.user) if can_change else None,
            "assign_form": assign_form
            or (MeetingAssignForm(user=request.user, meeting=meeting) if can_assign else None),
        },
    )


@login_required
@require_POST
def decision_add(request, pk):
    meeting = get_object_or_404(Meeting.objects.restrict(request.user, "change"), pk=pk)
    form = DecisionForm(request.POST, user=request.user)
    if form.is_valid():
        try:
            services.add_decision(request.user, meeting, **form.cleaned_data)
            messages.success(request, _("已添加议定事项。"))
        except ValidationError as exc:
            messages.error(request, _errors_text(exc))
    else:
        messages.error(request, "；".join(f"{form.fields[k].label}：{v[0]}" for k, v in form.errors.items()))
    return redirect(meeting)


@login_required
@require_POST
def meeting_assign(request, pk):
    """One step: every unassigned decision of the meeting becomes a matter."""
    meeting = get_object_or_404(Meeting.objects.restrict(request.user, "manage"), pk=pk)
    ids = [i for i in map(parse_id, request.POST.getlist("decision")) if i is not None] or None
    form = MeetingAssignForm(request.POST, user=request.user, meeting=meeting)
    if form.is_valid():
        try:
            created = services.decisions_to_matters(
                request.user, meeting, decision_ids=ids, **form.cleaned_data
            )
        except ValidationError as exc:
            if not hasattr(exc, "error_dict"):
                messages.error(request, _errors_text(exc))
                return redirect(meeting)
            apply_service_errors(form, exc)
        else:
            messages.success(request, _("已将 %(n)d 项议定事项转为督办事项。") % {"n": len(created)})
            return redirect(meeting)
    return meeting_detail(request, pk, assign_form=form)


# --- scorecards ------------------------------------------------------------------------------
@login_required
def scheme_list(request):
    managed = ScoreScheme.objects.restrict(request.user, "manage").values("pk")
    schemes = ScoreScheme.objects.restrict(request.user, "view").filter(
        Q(published_at__isnull=False) | Q(pk__in=managed)
    )
    return render(
        request,
        "supervision/scheme_list.html",
        {"schemes": schemes, "can_create": permissions.oversight_districts(request.user).first() is not None},
    )


@login_required
def scheme_create(request):
    district = permissions.oversight_districts(request.user).first()
    if district is None:
        raise PermissionDenied
    form = SchemeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = {k: v for k, v in form.cleaned_data.items() if not k.startswith("w_")}
        try:
            scheme = services.create_scheme(request.user, district=district, weights=form.weights(), **data)
        except (ValidationError, PermissionDenied) as exc:
            apply_service_errors(form, exc)
        else:
            return redirect(scheme)
    return render(request, "supervision/matter_form.html", {"form": form, "title": _("新建考核")})


def _visible_scheme(request, pk):
    scheme = get_object_or_404(
        ScoreScheme.objects.restrict(request.user, "view").select_related("district"), pk=pk
    )
    # Before publication only the oversight of the district sees the scores.
    if scheme.published_at is None and not permissions.can(request.user, "manage", scheme):
        raise Http404
    return scheme


@login_required
def scheme_detail(request, pk):
    scheme = _visible_scheme(request, pk)
    tables = []
    for kind, cards in scorecards.compute(scheme).items():
        red, black = scorecards.red_black(scheme, cards)
        names = [n for n, w in scheme.weights.get(kind, {}).items() if w]
        rows = [
            {"card": c, "rates": [c.rate(n) for n in names], "red": c in red, "black": c in black}
            for c in cards
        ]
        tables.append({"kind": kind, "title": notice.KIND_TITLES.get(kind, kind), "names": [scorecards.LABELS[n] for n in names],
                       "rows": rows, "red": red, "black": black})  # fmt: skip
    return render(request, "supervision/scheme_detail.html", {
        "scheme": scheme, "tables": tables, "as_of": scorecards.as_of(scheme),
        "can_manage": permissions.can(request.user, "manage", scheme),
    })  # fmt: skip


@login_required
def scheme_unit(request, pk, unit_id):
    """Drill-down: the records behind each of one unit's scores (matters, hazards, suggestions,
    project nodes, indicator targets), grouped by how they count."""
    scheme = _visible_scheme(request, pk)
    unit = get_object_or_404(Unit.objects.filter(district=scheme.district), pk=unit_id)
    sections = scorecards.drill_downs(scheme, unit)
    return render(request, "supervision/scheme_unit.html", {"scheme": scheme, "unit": unit, "sections": sections,
                  "as_of": scorecards.as_of(scheme)})  # fmt: skip


@login_required
@require_POST
def scheme_publish(request, pk):
    scheme = get_object_or_404(ScoreScheme.objects.restrict(request.user, "manage"), pk=pk)
    try:
        services.publish_scheme(request.user, scheme)
        messages.success(request, _("已通报。"))
    except ValidationError as exc:
        messages.error(request, _errors_text(exc))
    return redirect(scheme)


@login_required
def scheme_export(request, pk, fmt):
    scheme = _visible_scheme(request, pk)
    if fmt == "xlsx":
        return excel.xlsx_response(notice.workbook(scheme), f"{scheme.name}.xlsx")
    response = HttpResponse(notice.document(scheme), content_type=DOCX_MIME)
    response["Content-Disposition"] = (
        f"attachment; filename=\"notice.docx\"; filename*=UTF-8''{quote(scheme.name)}.docx"
    )
    return response


@login_required
def matter_export(request):
    """The list's filters, as an Excel file."""
    filters = MatterFilters.from_params(request.GET)
    if refused := export_refused(filters):
        return refused
    matters = filters.rows(request.user).order_by("deadline", "id")
    return excel.xlsx_response(excel_io.export(matters), "督办事项.xlsx")


@login_required
def matter_import(request):
    """Upload a filled template; "check only" runs every check and writes nothing."""
    district = permissions.oversight_districts(request.user).first()
    if district is None:
        raise PermissionDenied
    return excel_import_page(
        request,
        title=_("Excel 导入督办事项"),
        template=lambda: excel_io.template(request.user, district),
        template_name="督办事项导入模板.xlsx",
        run=lambda file, check_only: excel_io.import_matters(
            request.user, file, district=district, check_only=check_only
        ),
        done_message=_("已导入 %(n)d 项督办事项。"),
        list_url="supervision:matter_list",
    )


@login_required
def holiday_list(request):
    """The holiday calendar: each year's source, the notices, the table and the second opinion."""
    if not permissions.has_role(request.user, Role.SYS_ADMIN):
        raise PermissionDenied
    if request.GET.get("template"):
        return excel.xlsx_response(calendar_io.template(), "节假日安排模板.xlsx")
    form = HolidayForm(request.POST if request.POST.get("form") == "day" else None)
    notice_form = CalendarNoticeForm(
        request.POST if request.POST.get("form") == "notice" else None,
        request.FILES if request.POST.get("form") == "notice" else None,
    )
    import_errors = []
    if request.method == "POST":
        if (delete_id := parse_id(request.POST.get("delete"))) is not None:
            entry = get_object_or_404(HolidayEntry, pk=delete_id)
            services.delete_holiday(request.user, entry)
            messages.success(request, _("已删除。"))
            return redirect("supervision:holiday_list")
        if request.POST.get("form") == "day" and form.is_valid():
            services.set_holiday(request.user, **form.cleaned_data)
            messages.success(request, _("已保存。"))
            return redirect("supervision:holiday_list")
        if request.POST.get("form") == "notice" and notice_form.is_valid():
            data = notice_form.cleaned_data
            try:
                if data.get("file"):
                    if not data["file"].name.lower().endswith(".csv"):
                        validate_upload(data["file"], kinds=("office",))
                    days = calendar_io.read_upload(data["file"])
                else:
                    days = calendar_io.read_lines(data["lines"])
                _calendar, moved = services.publish_calendar_year(
                    request.user, year=data["year"], notice=data["notice"], days=days,
                    published_on=data.get("published_on"),
                )  # fmt: skip
            except excel.ImportRefused as exc:
                import_errors = exc.errors
            except ValidationError as exc:
                import_errors = [excel.CellError(0, "通知", m) for m in exc.messages]
            else:
                messages.success(
                    request,
                    _("已录入 %(year)d 年节假日安排；%(n)d 项在办事项的办理时限已按新安排重算。")
                    % {"year": data["year"], "n": moved},
                )
                return redirect("supervision:holiday_list")
    today = clock.today()
    years = []
    shown = {*range(today.year - 1, today.year + 2), workdays.calendar_last_year() + 1}
    shown |= set(CalendarYear.objects.values_list("year", flat=True))
    for year in sorted(shown):
        source = workdays.source_of(year)
        years.append(
            {
                "year": year,
                "source": source,
                "notice": CalendarYear.objects.filter(year=year).first(),
                "disagreements": workdays.compare_sources(year) if source != "fallback" else [],
            }
        )
    covered_until = workdays.calendar_last_year()
    # Every row is in force (workdays.YearCalendar: a row overrides any year's source), so every
    # row is listed: a correction to a year the calendar package knows was saved and then hidden.
    entries = HolidayEntry.objects.all()
    return render(
        request,
        "supervision/holiday_list.html",
        {
            "form": form,
            "notice_form": notice_form,
            "import_errors": import_errors,
            "entries": entries,
            "covered_until": covered_until,
            "years": years,
            "missing_year": workdays.next_year_missing(today),
        },
    )


@login_required
def reminder_settings(request, unit_id):
    """A unit's reminder channels: e-mail on/off and an optional DingTalk/WeCom group robot.

    Through the gate (a unit outside the person's scope is a 404) and the write permission
    (policies.may_manage_reminders: the unit's head or the district's oversight; else 403):
    the robot's URL carries its key, so nobody else even sees that page."""
    unit = get_object_or_404(Unit.objects.restrict(request.user, "view"), pk=unit_id)
    if not policies.may_manage_reminders(request.user, unit):
        raise PermissionDenied
    current = ReminderSettings.objects.filter(unit=unit).first()
    initial = {"email_enabled": True}
    if current:
        initial = {"email_enabled": current.email_enabled, "webhook_kind": current.webhook_kind}
    form = ReminderSettingsForm(request.POST or None, initial=initial, current=current)
    if request.method == "POST" and form.is_valid():
        try:
            services.save_reminder_settings(request.user, unit, **form.cleaned_data)
        except (ValidationError, PermissionDenied) as exc:
            apply_service_errors(form, exc)
        else:
            messages.success(request, _("已保存。"))
            return redirect("supervision:reminder_settings", unit_id=unit.pk)
    return render(
        request,
        "supervision/matter_form.html",
        {"form": form, "title": _("%(unit)s 提醒设置") % {"unit": unit.name}},
    )
