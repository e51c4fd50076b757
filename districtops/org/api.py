from django.contrib.auth import get_user_model
from django.db.models import Q
from ninja import Field, Router, Schema, Status

from districtops.gate.api_utils import Id, Limit, Offset, gated_get, page

from . import services
from .models import Membership, Unit, UnitKind
from .roles import Role

router = Router(tags=["org"])
User = get_user_model()


class UnitOut(Schema):
    id: int
    name: str
    short_name: str
    kind: str
    division_code: str
    parent_id: int | None
    district_id: int | None
    depth: int
    is_active: bool
    version: int


class UnitPage(Schema):
    count: int
    limit: int
    offset: int
    items: list[UnitOut]


class UnitIn(Schema):
    name: str = Field(..., min_length=1, max_length=100)
    kind: UnitKind
    parent_id: int
    division_code: str = Field("", pattern=r"^(\d{6}|\d{9}|\d{12})?$")
    short_name: str = ""
    sort_order: int = 0


class UnitPatch(Schema):
    version: int
    name: str | None = Field(None, min_length=1, max_length=100)
    short_name: str | None = None
    division_code: str | None = Field(None, pattern=r"^(\d{6}|\d{9}|\d{12})?$")
    parent_id: int | None = None
    sort_order: int | None = None
    is_active: bool | None = None


class MembershipOut(Schema):
    id: int
    unit_id: int
    unit_name: str = Field(..., alias="unit.name")
    role: str
    title: str


class PersonOut(Schema):
    id: int
    username: str
    display_name: str
    is_active: bool
    memberships: list[MembershipOut] = Field(..., alias="membership_list")


class PersonPage(Schema):
    count: int
    limit: int
    offset: int
    items: list[PersonOut]


class MembershipIn(Schema):
    unit_id: int
    role: Role
    title: str = ""


@router.get("/units", response=UnitPage)
def list_units(
    request,
    kind: UnitKind | None = None,
    q: str = "",
    parent_id: Id | None = None,
    limit: Limit = 100,
    offset: Offset = 0,
):
    units = Unit.objects.restrict(request.auth, "view").order_by("path")
    if kind:
        units = units.filter(kind=kind)
    if q:
        units = units.filter(Q(name__icontains=q) | Q(division_code__startswith=q))
    if parent_id is not None:
        units = units.filter(parent_id=parent_id)
    return page(units, limit, offset)


@router.get("/units/{unit_id}", response=UnitOut)
def get_unit(request, unit_id: int):
    return gated_get(Unit, request.auth, unit_id)


@router.post("/units", response={201: UnitOut})
def create_unit(request, payload: UnitIn):
    parent = gated_get(Unit, request.auth, payload.parent_id, "manage")
    unit = services.create_unit(
        request.auth,
        name=payload.name,
        kind=payload.kind,
        parent=parent,
        division_code=payload.division_code,
        short_name=payload.short_name,
        sort_order=payload.sort_order,
    )
    return Status(201, unit)


@router.patch("/units/{unit_id}", response=UnitOut)
def update_unit(request, unit_id: int, payload: UnitPatch):
    unit = gated_get(Unit, request.auth, unit_id, "manage")
    changes = payload.dict(exclude_unset=True, exclude={"version", "parent_id"})
    if payload.parent_id is not None:
        changes["parent"] = gated_get(Unit, request.auth, payload.parent_id, "manage")
    return services.update_unit(request.auth, unit, expected_version=payload.version, **changes)


def _with_memberships(people):
    rows = list(people)
    by_user = {}
    for m in Membership.objects.filter(user__in=rows).select_related("unit").order_by("id"):
        by_user.setdefault(m.user_id, []).append(m)
    for p in rows:
        p.membership_list = by_user.get(p.pk, [])
    return rows


@router.get("/people", response=PersonPage)
def list_people(request, q: str = "", unit_id: int | None = None, limit: Limit = 50, offset: Offset = 0):
    people = User.objects.restrict(request.auth, "view").order_by("username")
    if q:
        people = people.filter(Q(username__icontains=q) | Q(display_name__icontains=q))
    if unit_id is not None:
        people = people.filter(pk__in=Membership.objects.filter(unit_id=unit_id).values("user_id"))
    result = page(people, limit, offset)
    result["items"] = _with_memberships(result["items"])
    return result


@router.get("/people/{person_id}", response=PersonOut)
def get_person(request, person_id: int):
    return _with_memberships([gated_get(User, request.auth, person_id)])[0]


@router.post("/people/{person_id}/memberships", response={201: MembershipOut})
def add_membership(request, person_id: int, payload: MembershipIn):
    person = gated_get(User, request.auth, person_id, "manage")
    unit = gated_get(Unit, request.auth, payload.unit_id, "manage")
    membership = services.add_membership(
        request.auth, person=person, unit=unit, role=payload.role, title=payload.title
    )
    return Status(201, membership)


@router.delete("/memberships/{membership_id}", response={204: None})
def remove_membership(request, membership_id: int):
    membership = gated_get(Membership, request.auth, membership_id, "manage")
    services.remove_membership(request.auth, membership)
    return Status(204, None)
