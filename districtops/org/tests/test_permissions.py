"""The gate for organisation objects: who sees and manages which units and people."""

import pytest
from django.contrib.auth import get_user_model

from districtops.gate import permissions
from districtops.org.models import Unit

pytestmark = pytest.mark.django_db


def test_street_staff_sees_own_district_and_district_nodes_only(org, users):
    visible = set(Unit.objects.restrict(users["nanguan"], "view").values_list("name", flat=True))
    assert "南关街街道" in visible and "北下街街道" in visible  # same district
    assert "金水区" in visible and "郑州市" in visible  # the city's district nodes are public
    assert "经八路街道" not in visible  # another district's street


def test_people_of_another_district_are_invisible(org, users):
    people = set(
        get_user_model().objects.restrict(users["nanguan"], "view").values_list("username", flat=True)
    )
    assert "beixiajie" in people
    assert "jinshui" not in people


def test_sysadmin_manages_own_district_only(org, users):
    manageable = Unit.objects.restrict(users["sysadmin"], "manage")
    assert manageable.filter(name="南关街街道").exists()
    assert not manageable.filter(name="经八路街道").exists()
    assert not Unit.objects.restrict(users["leader"], "manage").exists()


def test_scope_is_computed_once_per_user_object(org, users, django_assert_num_queries):
    user = get_user_model().objects.get(username="nanguan")
    with django_assert_num_queries(1):
        permissions.scope_of(user)
        permissions.scope_of(user)


def test_unknown_action_is_an_error(org, users):
    with pytest.raises(ValueError):
        Unit.objects.restrict(users["nanguan"], "destroy")
