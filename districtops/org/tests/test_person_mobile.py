"""The person's mobile: typed by the system admin, kept SM4-encrypted, shown masked, write-only."""

import pytest

from districtops.accounts.models import User
from districtops.audit.models import AuditRecord

pytestmark = pytest.mark.django_db


def _edit(client, person, **extra):
    data = {"display_name": person.display_name, "email": person.email, "phone": person.phone,
            "is_active": "on", "version": person.version, **extra}  # fmt: skip
    return client.post(f"/org/people/{person.pk}/edit/", data)


def test_mobile_is_stored_encrypted_shown_masked_and_kept_when_blank(org, login):
    admin = login("sysadmin")
    person = User.objects.get(username="nanguan")
    assert _edit(admin, person, mobile="138 0000 1234").status_code == 302
    person.refresh_from_db()
    assert person.mobile == "13800001234" and "13800001234" not in person.mobile_encrypted
    page = admin.get(f"/org/people/{person.pk}/").content.decode()
    assert "138****1234" in page and "13800001234" not in page
    assert "13800001234" not in str(AuditRecord.objects.filter(object_type="accounts.user").values("after"))
    assert _edit(admin, person, mobile="").status_code == 302  # blank keeps it
    person.refresh_from_db()
    assert person.mobile == "13800001234"
    bad = _edit(admin, person, mobile="12345")
    assert bad.status_code == 200 and "11 位" in bad.content.decode()
    assert _edit(admin, person, mobile="-").status_code == 302
    person.refresh_from_db()
    assert person.mobile == "" and person.mobile_encrypted == ""


def test_another_districts_admin_cannot_set_it(org, login):
    person = User.objects.get(username="nanguan")
    assert _edit(login("jinshui_sysadmin"), person, mobile="13800001234").status_code == 404
    person.refresh_from_db()
    assert person.mobile == ""
