"""三员分立: none of the three administrators can do another's job."""

import pytest

pytestmark = pytest.mark.django_db

PAGES = {
    "sysadmin": ["/org/units/new/", "/org/people/new/", "/jobs/"],
    "secadmin": ["/accounts/security/accounts/", "/accounts/security/policy/"],
    "auditadmin": ["/audit/", "/audit/verify/"],
}


@pytest.mark.parametrize("owner", list(PAGES))
@pytest.mark.parametrize("visitor", ["sysadmin", "secadmin", "auditadmin", "leader", "nanguan"])
def test_admin_pages_belong_to_one_admin(org, login, owner, visitor):
    client = login(visitor)
    for path in PAGES[owner]:
        status = client.get(path).status_code
        if visitor == owner:
            assert status == 200, path
        elif owner == "sysadmin" and path == "/jobs/":
            # everyone sees their own jobs; only the system admin sees all of them
            assert status == 200
        else:
            assert status == 403, (visitor, path)


def test_admin_role_cannot_be_combined(org, users):
    from django.core.exceptions import ValidationError

    from districtops.org.services import add_membership

    with pytest.raises(ValidationError):
        add_membership(
            users["sysadmin"], person=users["sysadmin"], unit=org["districts"]["410104"], role="audit_admin"
        )
    with pytest.raises(ValidationError):
        add_membership(
            users["sysadmin"], person=users["nanguan"], unit=org["districts"]["410104"], role="sec_admin"
        )


def test_audit_api_is_for_the_audit_admin_only(org, api_client):
    assert api_client("auditadmin").get("/api/v1/audit/records").status_code == 200
    assert api_client("sysadmin").get("/api/v1/audit/records").status_code == 403
    assert api_client("secadmin").get("/api/v1/audit/verify").status_code == 403
