from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Count, Q
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from districtops.core.params import id_param
from districtops.gate import permissions
from districtops.gate.services import ConflictError
from districtops.gate.views_helpers import apply_service_errors

from . import services
from .forms import MembershipForm, PersonCreateForm, PersonEditForm, UnitForm
from .models import Membership, Unit, UnitKind
from .roles import Role

User = get_user_model()


def _sys_admin_only(request):
    if not permissions.has_role(request.user, Role.SYS_ADMIN):
        raise PermissionDenied


@login_required
def unit_tree(request):
    units = (
        Unit.objects.restrict(request.user, "view")
        .annotate(member_count=Count("memberships__user", distinct=True))
        .only("id", "name", "kind", "division_code", "depth", "path", "parent_id", "is_active")
        .order_by("path")
    )
    kind = request.GET.get("kind", "")
    q = request.GET.get("q", "").strip()
    if kind in UnitKind.values:
        units = units.filter(kind=kind)
    if q:
        units = units.filter(Q(name__icontains=q) | Q(division_code__startswith=q))
    units = list(units[:2000])
    can_manage = permissions.has_role(request.user, Role.SYS_ADMIN)
    return render(
        request,
        "org/unit_tree.html",
        {"units": units, "kinds": UnitKind.choices, "kind": kind, "q": q, "can_manage": can_manage},
    )


@login_required
def unit_detail(request, pk):
    unit = get_object_or_404(
        Unit.objects.restrict(request.user, "view").select_related("parent", "district"), pk=pk
    )
    members = Membership.objects.filter(unit=unit).select_related("user").order_by("role", "user__username")
    children = unit.children.order_by("sort_order", "name")
    return render(
        request,
        "org/unit_detail.html",
        {
            "unit": unit,
            "members": members,
            "children": children,
            "can_manage": permissions.can(request.user, "manage", unit),
        },
    )


@login_required
def unit_create(request):
    _sys_admin_only(request)
    form = UnitForm(request.POST or None, user=request.user, initial={"parent": request.GET.get("parent")})
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            unit = services.create_unit(
                request.user,
                name=data["name"],
                kind=data["kind"],
                parent=data["parent"],
                division_code=data["division_code"],
                short_name=data["short_name"],
                sort_order=data["sort_order"],
            )
        except (ValidationError, PermissionDenied) as exc:
            apply_service_errors(form, exc)
        else:
            messages.success(request, _("已新增单位 %(u)s。") % {"u": unit})
            return redirect(unit)
    return render(request, "org/unit_form.html", {"form": form})


@login_required
def unit_edit(request, pk):
    unit = get_object_or_404(Unit.objects.restrict(request.user, "manage"), pk=pk)
    form = UnitForm(request.POST or None, instance=unit, user=request.user)
    if request.method == "POST" and form.is_valid():
        changes = {f: form.cleaned_data[f] for f in UnitForm.Meta.fields}
        try:
            unit = services.update_unit(
                request.user,
                Unit.objects.get(pk=pk),
                expected_version=form.cleaned_data["version"],
                **changes,
            )
        except (ValidationError, ConflictError, PermissionDenied) as exc:
            apply_service_errors(form, exc)
        else:
            messages.success(request, _("已保存。"))
            return redirect(unit)
    return render(request, "org/unit_form.html", {"form": form, "unit": unit})


@login_required
def person_list(request):
    people = User.objects.restrict(request.user, "view")
    q = request.GET.get("q", "").strip()
    unit_id = id_param(request.GET, "unit")
    if q:
        people = people.filter(Q(username__icontains=q) | Q(display_name__icontains=q))
    if unit_id is not None:
        people = people.filter(memberships__unit_id=unit_id).distinct()
    page = Paginator(people.order_by("username"), 50).get_page(request.GET.get("page"))
    rows = list(page.object_list)
    memberships = Membership.objects.filter(user__in=rows).select_related("unit").order_by("id")
    by_user = {}
    for m in memberships:
        by_user.setdefault(m.user_id, []).append(m)
    for person in rows:
        person.membership_list = by_user.get(person.pk, [])
    template = "org/_person_rows.html" if request.htmx else "org/person_list.html"
    return render(
        request,
        template,
        {
            "page": page,
            "rows": rows,
            "q": q,
            "can_manage": permissions.has_role(request.user, Role.SYS_ADMIN),
        },
    )


@login_required
def person_detail(request, pk):
    person = get_object_or_404(User.objects.restrict(request.user, "view"), pk=pk)
    memberships = person.memberships.select_related("unit").order_by("id")
    can_manage = User.objects.restrict(request.user, "manage").filter(pk=pk).exists()
    return render(
        request,
        "org/person_detail.html",
        {
            "person": person,
            "memberships": memberships,
            "can_manage": can_manage,
            "membership_form": MembershipForm(user=request.user) if can_manage else None,
        },
    )


@login_required
def person_create(request):
    _sys_admin_only(request)
    form = PersonCreateForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            person, password = services.create_person(request.user, **form.cleaned_data)
        except (ValidationError, PermissionDenied) as exc:
            apply_service_errors(form, exc)
        else:
            messages.warning(
                request,
                _("已创建 %(u)s，初始密码：%(p)s（仅显示一次，首次登录须修改）")
                % {"u": person.username, "p": password},
            )
            return redirect("org:person_detail", pk=person.pk)
    return render(request, "org/person_form.html", {"form": form})


@login_required
def person_edit(request, pk):
    person = get_object_or_404(User.objects.restrict(request.user, "manage"), pk=pk)
    form = PersonEditForm(request.POST or None, instance=person)
    if request.method == "POST" and form.is_valid():
        changes = {f: form.cleaned_data[f] for f in [*PersonEditForm.Meta.fields, "mobile"]}
        try:
            services.update_person(
                request.user,
                User.objects.get(pk=pk),
                expected_version=form.cleaned_data["version"],
                **changes,
            )
        except (ValidationError, ConflictError, PermissionDenied) as exc:
            apply_service_errors(form, exc)
        else:
            messages.success(request, _("已保存。"))
            return redirect("org:person_detail", pk=pk)
    return render(request, "org/person_form.html", {"form": form, "person": person})


@login_required
@require_POST
def membership_add(request, pk):
    person = get_object_or_404(User.objects.restrict(request.user, "manage"), pk=pk)
    form = MembershipForm(request.POST, user=request.user)
    if form.is_valid():
        try:
            services.add_membership(request.user, person=person, **form.cleaned_data)
            messages.success(request, _("已添加任职。"))
        except (ValidationError, PermissionDenied) as exc:
            messages.error(request, "；".join(getattr(exc, "messages", [str(exc)])))
    else:
        messages.error(
            request, _("任职信息有误：") + "；".join(f"{k}: {v[0]}" for k, v in form.errors.items())
        )
    return redirect("org:person_detail", pk=pk)


@login_required
@require_POST
def membership_remove(request, pk):
    membership = get_object_or_404(Membership.objects.restrict(request.user, "manage"), pk=pk)
    services.remove_membership(request.user, membership)
    messages.success(request, _("已移除任职。"))
    return redirect("org:person_detail", pk=membership.user_id)
