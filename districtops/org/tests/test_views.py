"""Organisation pages for every persona: permitted, another unit, another district."""

import pytest
from django.contrib.auth import get_user_model

from districtops.audit.models import AuditRecord
from districtops.org.models import Unit

pytestmark = pytest.mark.django_db


def test_unit_tree_shows_the_guancheng_organisation(org, login):
    body = login("nanguan").get("/org/units/").content.decode()
    for name in [
        "郑州市",
        "管城回族区",
        "区委区政府",
        "城建局",
        "两办督查室",
        "双改办",
        "区人大常委会",
        "城市道路改造指挥部",
        "圃田乡",
        "410104570",
    ]:
        assert name in body
    assert "经八路街道" not in body


def test_unit_of_another_district_is_404_like_a_missing_one(org, login):
    street = org["jinshui_street"]
    client = login("nanguan")
    assert client.get(f"/org/units/{street.pk}/").status_code == 404
    assert client.get("/org/units/999999/").status_code == 404
    assert login("jinshui").get(f"/org/units/{street.pk}/").status_code == 200


def test_sysadmin_creates_edits_and_sees_history(org, login):
    client = login("sysadmin")
    parent = org["districts"]["410104"]
    response = client.post(
        "/org/units/new/",
        {
            "name": "数据局",
            "kind": "department",
            "parent": parent.pk,
            "division_code": "",
            "short_name": "",
            "sort_order": 50,
            "is_active": "on",
        },
    )
    assert response.status_code == 302
    unit = Unit.objects.get(name="数据局")
    assert unit.district_id == parent.pk and unit.path == f"{parent.path}{unit.pk}/"
    response = client.post(
        f"/org/units/{unit.pk}/edit/",
        {
            "name": "区数据局",
            "kind": "department",
            "parent": parent.pk,
            "division_code": "",
            "short_name": "",
            "sort_order": 50,
            "is_active": "on",
            "version": unit.version,
        },
    )
    assert response.status_code == 302
    history = client.get(f"/audit/history/org/unit/{unit.pk}/").content.decode()
    assert "数据局" in history and "区数据局" in history and "修改" in history


def test_stale_form_is_refused_and_nothing_is_overwritten(org, login):
    client = login("sysadmin")
    unit = org["units"]["城建局"]
    form = {
        "name": "城建局（新）",
        "kind": "department",
        "parent": unit.parent_id,
        "division_code": "",
        "short_name": "",
        "sort_order": 0,
        "is_active": "on",
        "version": unit.version,
    }
    assert client.post(f"/org/units/{unit.pk}/edit/", form).status_code == 302
    stale = dict(form, name="城建局（旧表单）")
    response = client.post(f"/org/units/{unit.pk}/edit/", stale)
    assert response.status_code == 200 and "已被他人修改" in response.content.decode()
    assert Unit.objects.get(pk=unit.pk).name == "城建局（新）"


def test_invalid_unit_form_shows_chinese_field_errors(org, login):
    response = login("sysadmin").post(
        "/org/units/new/", {"name": "", "kind": "nonsense", "parent": "", "division_code": "12ab"}
    )
    body = response.content.decode()
    assert response.status_code == 200
    assert "这个字段是必填项" in body and "区划代码应为" in body
    assert 'data-field-error="kind"' in body


def test_sysadmin_of_another_district_cannot_edit_guancheng(org, login):
    unit = org["units"]["城建局"]
    assert login("jinshui_sysadmin").get(f"/org/units/{unit.pk}/edit/").status_code == 404
    assert login("leader").get(f"/org/units/{unit.pk}/edit/").status_code == 404
    assert login("leader").get("/org/units/new/").status_code == 403


def test_moving_a_unit_moves_its_subtree(org, users):
    from districtops.org.services import create_unit, update_unit

    post = org["units"]["城市道路改造指挥部"]
    child = create_unit(users["sysadmin"], name="一标段", kind="office", parent=post)
    street = org["units"]["南关街街道"]
    update_unit(users["sysadmin"], post, expected_version=post.version, parent=street)
    child.refresh_from_db()
    assert child.path.startswith(street.path) and child.depth == street.depth + 2


def test_unit_cannot_move_under_itself(org, users):
    from django.core.exceptions import ValidationError

    from districtops.org.services import create_unit, update_unit

    post = org["units"]["城市道路改造指挥部"]
    child = create_unit(users["sysadmin"], name="一标段", kind="office", parent=post)
    with pytest.raises(ValidationError):
        update_unit(users["sysadmin"], post, expected_version=post.version, parent=child)


def test_sysadmin_creates_a_person_who_must_change_password(org, login):
    client = login("sysadmin")
    unit = org["units"]["南关街街道"]
    response = client.post(
        "/org/people/new/",
        {"username": "nanguan2", "display_name": "南关二号", "unit": unit.pk, "role": "unit_staff"},
    )
    assert response.status_code == 302
    person = get_user_model().objects.get(username="nanguan2")
    assert person.must_change_password and person.memberships.get().unit == unit
    assert AuditRecord.objects.filter(
        object_type="accounts.user", object_id=str(person.pk), action="create"
    ).exists()
    assert "password" not in AuditRecord.objects.filter(object_type="accounts.user").first().after


def test_one_person_holds_roles_in_several_units(org, login, users):
    client = login("sysadmin")
    unit = org["units"]["城建局"]
    response = client.post(
        f"/org/people/{users['nanguan'].pk}/memberships/", {"unit": unit.pk, "role": "unit_staff"}
    )
    assert response.status_code == 302
    assert set(users["nanguan"].memberships.values_list("unit__name", flat=True)) == {"南关街街道", "城建局"}


def test_people_list_query_count_is_constant(org, login, django_assert_max_num_queries):
    client = login("leader")
    client.get("/org/people/")
    with django_assert_max_num_queries(12):
        response = client.get("/org/people/")
    assert response.status_code == 200 and "nanguan" in response.content.decode()


def test_htmx_search_returns_rows_only(org, login):
    response = login("leader").get("/org/people/?q=nanguan", HTTP_HX_REQUEST="true")
    body = response.content.decode()
    assert "<html" not in body and "nanguan" in body and "beixiajie" not in body


def test_history_of_an_invisible_object_is_404(org, login):
    street = org["jinshui_street"]
    assert login("nanguan").get(f"/audit/history/org/unit/{street.pk}/").status_code == 404
    assert login("nanguan").get("/audit/history/audit/auditrecord/1/").status_code == 404
