"""三员分立: no administrator grants an administrator or 区领导 role, resets an administrator's
password, or reads another's results — through forms, services or the API."""

import io

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management import call_command
from django.core.management.base import CommandError

from districtops.org import services as org_services
from districtops.org.models import Membership
from districtops.org.roles import PRIVILEGED_ROLES, Role

pytestmark = pytest.mark.django_db
ADMINS = ("sysadmin", "secadmin", "auditadmin")


@pytest.mark.parametrize("role", sorted(PRIVILEGED_ROLES))
@pytest.mark.parametrize("actor", ADMINS)
def test_no_administrator_grants_a_privileged_role_by_service(org, users, actor, role):
    unit = org["units"]["南关街街道"]
    with pytest.raises((ValidationError, PermissionDenied)):
        org_services.create_person(users[actor], username=f"x_{role}", display_name="x", unit=unit, role=role)
    with pytest.raises((ValidationError, PermissionDenied)):
        org_services.add_membership(users[actor], person=users["beixiajie"], unit=unit, role=role)
    assert not Membership.objects.filter(user=users["beixiajie"], role=role).exists()


def test_the_person_form_offers_business_roles_only_and_refuses_a_forged_one(org, login, users):
    client = login("sysadmin")
    page = client.get("/org/people/new/").content.decode()
    assert f'value="{Role.UNIT_STAFF}"' in page
    for role in PRIVILEGED_ROLES:
        assert f'value="{role}"' not in page
    unit = org["units"]["南关街街道"]
    response = client.post(
        "/org/people/new/",
        {"username": "forged_audit", "display_name": "伪造", "unit": unit.pk, "role": Role.AUDIT_ADMIN},
    )
    assert response.status_code == 200
    from django.contrib.auth import get_user_model

    assert not get_user_model().objects.filter(username="forged_audit").exists()


def test_the_system_administrator_still_creates_business_accounts(org, users):
    person, password = org_services.create_person(
        users["sysadmin"],
        username="newstaff",
        display_name="新员工",
        unit=org["units"]["南关街街道"],
        role=Role.UNIT_STAFF,
    )
    assert person.must_change_password and password


def test_no_one_resets_an_administrators_password_in_the_platform(org, users, login):
    from districtops.accounts import services

    for target in ADMINS:
        with pytest.raises(PermissionDenied):
            services.reset_password(users["secadmin"], users[target])
    pk = users["auditadmin"].pk
    assert login("secadmin").post(f"/accounts/security/accounts/{pk}/reset-password/").status_code in (
        403,
        404,
    )
    # An ordinary account's reset is one-time: it must be changed at the next login.
    services.reset_password(users["secadmin"], users["nanguan"])
    users["nanguan"].refresh_from_db()
    assert users["nanguan"].must_change_password


def test_the_server_command_grants_and_resets_and_refuses_nonsense(org, users):
    out = io.StringIO()
    call_command("grant-role", "beixiajie", "北下街街道", Role.UNIT_HEAD, stdout=out)
    assert Membership.objects.filter(user=users["beixiajie"], role=Role.UNIT_HEAD).exists()
    with pytest.raises(CommandError):
        call_command("grant-role", "nobody", "410104", Role.LEADER, stdout=out)
    with pytest.raises(CommandError, match="三员分立"):
        call_command("grant-role", "sysadmin", "410104", Role.AUDIT_ADMIN, stdout=out)  # one admin role only
    call_command("reset-password", "auditadmin", stdout=out)
    users["auditadmin"].refresh_from_db()
    assert "one-time password" in out.getvalue() and users["auditadmin"].must_change_password


def test_the_system_administrator_does_not_read_a_briefing_job(org, users, login):
    from districtops.jobs.models import Job
    from districtops.jobs.services import visible_jobs

    job = Job.objects.create(
        name="cockpit.briefing",
        params={"district_code": "410104", "period": "2021-02"},
        created_by=users["leader"],
    )
    assert not visible_jobs(users["sysadmin"]).filter(pk=job.pk).exists()
    assert login("sysadmin").get(f"/jobs/{job.pk}/").status_code == 404
    assert visible_jobs(users["supervisor"]).filter(pk=job.pk).exists()  # the district's supervision office
    assert not visible_jobs(users["nanguan"]).filter(pk=job.pk).exists()
    assert not visible_jobs(users["jinshui_leader"]).filter(pk=job.pk).exists()
    system = Job.objects.create(name="audit.verify_chain", params={}, created_by=None)
    assert visible_jobs(users["sysadmin"]).filter(pk=system.pk).exists()
