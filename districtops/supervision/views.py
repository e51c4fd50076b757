import datetime as dt

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Count, Prefetch, Q
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from districtops.core import clock, permissions
from districtops.core.services import ConflictError
from districtops.core.views_helpers import apply_service_errors
from districtops.org.models import Unit

from . import services, states
from .forms import DecisionForm, ExtensionDecisionForm, MatterActionForm, MatterForm, MeetingForm
from .models import Decision, Escalation, ExtensionRequest, Matter, MatterEvent, Meeting, Reminder
from .states import OPEN_STATES, MatterState

LIST_SIZE = 50


def _rows(queryset):
    return queryset.select_related("lead_unit").order_by("deadline", "id")


def _errors_text(exc) -> str:
    if isinstance(exc, ValidationError):
        return "；".join(exc.messages)
    return str(exc)


@login_required
def todo(request):
    """The person's four lists; each shows the first 50 and its total."""
    tab = request.GET.get("tab", "lead")
    lists = services.todo_querysets(request.user)
    if tab not in lists:
        tab = "lead"
    counts = {name: qs.count() for name, qs in lists.items()}
    rows = list(_rows(lists[tab])[:LIST_SIZE])
    # In-app reminders: what the daily job left for the person's units in the last week.
    recent = Reminder.objects.filter(
        unit_id__in=services.my_units(request.user), key_date__gte=clock.today() - dt.timedelta(days=7)
    ).select_related("matter")[:20]
    return render(
        request,
        "supervision/todo.html",
        {"tab": tab, "counts": counts, "rows": rows, "today": clock.today(), "reminders": recent},
    )


def filtered_matters(user, params):
    """The list filters, shared by the list page, the export and the API."""
    matters = Matter.objects.restrict(user, "view")
    state = params.get("state", "")
    if state in MatterState.values:
        matters = matters.filter(state=state)
    if params.get("overdue") == "1":
        matters = matters.filter(state__in=OPEN_STATES, deadline__lt=clock.today())
    escalation = params.get("escalation", "")
    if escalation.isdigit():
        matters = matters.filter(escalation=int(escalation))
    lead = params.get("lead_unit", "")
    if lead.isdigit():
        matters = matters.filter(lead_unit_id=int(lead))
    q = (params.get("q") or "").strip()
    if q:
        matters = matters.filter(Q(title__icontains=q) | Q(code__icontains=q))
    return matters


@login_required
def matter_list(request):
    matters = filtered_matters(request.user, request.GET)
    page = Paginator(_rows(matters), LIST_SIZE).get_page(request.GET.get("page"))
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
            "can_assign": permissions.has_role(request.user, "leader", "supervisor"),
        },
    )


def _available_actions(user, matter):
    actions = []
    for action in states.allowed_actions(matter.state):
        if action == "decide_extension":
            continue  # decided on the extension itself
        perm = states.TRANSITIONS[action][0]
        if permissions.can(user, perm, matter):
            actions.append({"name": action, "label": states.label(action)})
    return actions


@login_required
def matter_detail(request, pk):
    matter = get_object_or_404(
        Matter.objects.restrict(request.user, "view")
        .select_related("lead_unit", "district", "responsible_leader", "assigned_by")
        .prefetch_related("supporting_units"),
        pk=pk,
    )
    events = MatterEvent.objects.filter(matter=matter).select_related("actor")
    extensions = ExtensionRequest.objects.filter(matter=matter).select_related("requested_by", "decided_by")
    return render(
        request,
        "supervision/matter_detail.html",
        {
            "matter": matter,
            "events": events,
            "extensions": extensions,
            "actions": _available_actions(request.user, matter),
            "can_decide": permissions.can(request.user, "manage", matter),
            "action_form": MatterActionForm(initial={"version": matter.version}),
            "decision_form": ExtensionDecisionForm(),
            "today": clock.today(),
        },
    )


@login_required
def matter_create(request):
    if not permissions.has_role(request.user, "leader", "supervisor"):
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


@login_required
@require_POST
def matter_action(request, pk, action):
    matter = get_object_or_404(Matter.objects.restrict(request.user, "view"), pk=pk)
    if action not in services.ACTION_FUNCTIONS and action != "request_extension":
        raise PermissionDenied
    form = MatterActionForm(request.POST)
    if not form.is_valid():
        messages.error(request, "；".join(f"{form.fields[k].label}：{v[0]}" for k, v in form.errors.items()))
        return redirect(matter)
    data = form.cleaned_data
    note = data["note"] or ""
    try:
        if action == "request_extension":
            if data["new_deadline"] is None:
                raise ValidationError({"new_deadline": _("请填写申请延至的日期。")})
            services.request_extension(request.user, matter, new_deadline=data["new_deadline"], reason=note)
        elif action == "report_progress":
            services.report_progress(
                request.user, matter, progress=data["progress"] if data["progress"] is not None else matter.progress,
                note=note, expected_version=data["version"],
            )  # fmt: skip
        elif action in {"acknowledge", "request_closure", "verify_close", "return_for_rework"}:
            services.ACTION_FUNCTIONS[action](
                request.user, matter, note=note, expected_version=data["version"]
            )
        elif action == "record_overdue_reason":
            services.record_overdue_reason(request.user, matter, reason=note)
        else:
            services.ACTION_FUNCTIONS[action](request.user, matter, note=note)
    except PermissionDenied:
        raise
    except (ValidationError, ConflictError) as exc:
        messages.error(request, _errors_text(exc))
    else:
        messages.success(request, _("已%(action)s。") % {"action": states.label(action)})
    return redirect(matter)


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
def meeting_detail(request, pk):
    meeting = get_object_or_404(
        Meeting.objects.restrict(request.user, "view").select_related("organiser"), pk=pk
    )
    decisions = (
        Decision.objects.filter(meeting=meeting)
        .select_related("lead_unit", "matter")
        .prefetch_related(Prefetch("supporting_units", queryset=Unit.objects.only("id", "name")))
    )
    can_change = permissions.can(request.user, "change", meeting)
    return render(
        request,
        "supervision/meeting_detail.html",
        {
            "meeting": meeting,
            "decisions": decisions,
            "can_change": can_change,
            "can_assign": permissions.can(request.user, "manage", meeting),
            "form": DecisionForm(user=request.user) if can_change else None,
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
    ids = [int(i) for i in request.POST.getlist("decision") if i.isdigit()] or None
    try:
        created = services.decisions_to_matters(request.user, meeting, decision_ids=ids)
    except ValidationError as exc:
        messages.error(request, _errors_text(exc))
    else:
        messages.success(request, _("已将 %(n)d 项议定事项转为督办事项。") % {"n": len(created)})
    return redirect(meeting)


def home_panel(user):
    """Home counters: in progress, overdue, closed this month, listed for leaders."""
    visible = Matter.objects.restrict(user, "view")
    today = clock.today()
    counts = visible.aggregate(
        open=Count("pk", filter=Q(state__in=OPEN_STATES)),
        overdue=Count("pk", filter=Q(state__in=OPEN_STATES, deadline__lt=today)),
        closed=Count("pk", filter=Q(state=MatterState.CLOSED, closed_on__gte=today.replace(day=1))),
        listed=Count("pk", filter=Q(state__in=OPEN_STATES, escalation=Escalation.LISTED)),
    )
    if not any(counts.values()) and not permissions.scope_of(user).grants:
        return None
    url = reverse("supervision:matter_list")
    return {
        "title": _("督查督办"),
        "counters": [
            {"label": _("办理中"), "value": counts["open"], "url": url, "css": ""},
            {
                "label": _("已逾期"),
                "value": counts["overdue"],
                "url": f"{url}?overdue=1",
                "css": "text-danger",
            },
            {
                "label": _("本月办结"),
                "value": counts["closed"],
                "url": f"{url}?state=closed",
                "css": "text-success",
            },
            {
                "label": _("挂牌督办"),
                "value": counts["listed"],
                "url": f"{url}?escalation=2",
                "css": "text-warning",
            },
        ],
    }
