"""TOTP backup codes (issued with the enrolment, each used once) and the security admin's view
of failed logins."""

import re

import pyotp
import pytest
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import Client

from districtops.accounts import services
from districtops.accounts.models import BackupCode
from districtops.audit.models import AuditRecord

pytestmark = pytest.mark.django_db
User = get_user_model()
CODE = re.compile(r"<li>([a-z2-9]{4}-[a-z2-9]{4})</li>")


def _enrolled_client(username="auditadmin"):
    """Log in, enrol TOTP, land on the backup-code page; returns (client, user, codes shown)."""
    client = Client()
    client.post("/accounts/login/", {"username": username, "password": "Demo@2021"})
    client.get("/accounts/second-factor/")
    user = User.objects.get(username=username)
    response = client.post("/accounts/second-factor/", {"code": pyotp.TOTP(user.totp_secret).now()})
    assert response["Location"] == "/accounts/backup-codes/"
    page = client.get("/accounts/backup-codes/").content.decode()
    codes = CODE.findall(page)
    return client, User.objects.get(pk=user.pk), codes


def _second_login(username, code):
    client = Client()
    client.post("/accounts/login/", {"username": username, "password": "Demo@2021"})
    return client, client.post("/accounts/second-factor/", {"code": code})


def test_enrolment_shows_ten_codes_once_and_stores_only_digests(org, settings):
    settings.DEMO_MODE = False
    client, user, codes = _enrolled_client()
    assert len(codes) == 10 and len(set(codes)) == 10
    stored = list(BackupCode.objects.filter(user=user).values_list("code_digest", flat=True))
    assert len(stored) == 10 and not any(c.replace("-", "") in d or c in d for c in codes for d in stored)
    # Shown once: the next visit shows the count, not the codes.
    again = client.get("/accounts/backup-codes/").content.decode()
    assert CODE.findall(again) == [] and "10" in again
    assert AuditRecord.objects.filter(action="backup_codes_issued", object_id=str(user.pk)).count() == 1


def test_a_backup_code_stands_in_for_totp_once(org, settings):
    settings.DEMO_MODE = False
    _client, user, codes = _enrolled_client()
    client, response = _second_login("auditadmin", codes[0].upper().replace("-", " "))
    assert response.status_code == 302 and response["Location"] == "/"
    assert client.get("/audit/").status_code == 200
    assert services.backup_codes_left(user) == 9
    # The same code a second time is refused, and the session stays behind the second factor.
    client, response = _second_login("auditadmin", codes[0])
    assert response.status_code == 200 and "备用验证码不正确或已用过" in response.content.decode()
    assert client.get("/audit/").status_code == 302
    assert AuditRecord.objects.filter(action="backup_code_used").count() == 1
    assert AuditRecord.objects.filter(action="backup_code_failed", outcome="failure").count() == 1


def test_codes_are_personal_and_never_work_before_enrolment(org, settings):
    settings.DEMO_MODE = False
    _client, _user, codes = _enrolled_client("auditadmin")
    # Another administrator cannot use the audit admin's code.
    secadmin = User.objects.get(username="secadmin")
    assert not services.use_backup_code(secadmin, codes[1])
    with pytest.raises(ValidationError):
        services.issue_backup_codes(secadmin, secadmin)  # not enrolled yet
    with pytest.raises(PermissionDenied):
        services.issue_backup_codes(secadmin, User.objects.get(username="auditadmin"))
    # During enrolment only the TOTP code is accepted.
    client = Client()
    client.post("/accounts/login/", {"username": "secadmin", "password": "Demo@2021"})
    response = client.post("/accounts/second-factor/", {"code": codes[1]})
    assert response.status_code == 200 and "6 位数字" in response.content.decode()


def test_regenerating_needs_the_current_totp_and_voids_the_old_codes(org, settings):
    settings.DEMO_MODE = False
    client, user, codes = _enrolled_client()
    refused = client.post("/accounts/backup-codes/", {"code": "000000"})
    assert refused.status_code == 200 and "验证码不正确" in refused.content.decode()
    assert services.backup_codes_left(user) == 10
    fresh = client.post("/accounts/backup-codes/", {"code": pyotp.TOTP(user.totp_secret).now()}, follow=True)
    new_codes = CODE.findall(fresh.content.decode())
    assert len(new_codes) == 10 and not set(new_codes) & set(codes)
    assert not services.use_backup_code(user, codes[2])
    assert services.use_backup_code(user, new_codes[2])


def test_reset_of_the_second_factor_voids_backup_codes(org, settings, users):
    settings.DEMO_MODE = False
    _client, user, codes = _enrolled_client("auditadmin")
    services.reset_second_factor(None, user)
    assert BackupCode.objects.filter(user=user).count() == 0
    assert not services.use_backup_code(User.objects.get(pk=user.pk), codes[0])


def test_security_admin_sees_attempts_by_address_and_account(org, login):
    for ip in ("203.0.113.9", "203.0.113.9", "203.0.113.9"):
        Client(REMOTE_ADDR=ip).post("/accounts/login/", {"username": "nanguan", "password": "wrong"})
    for name in ("nobody1", "nobody2", "supervisor"):
        Client(REMOTE_ADDR="198.51.100.4").post("/accounts/login/", {"username": name, "password": "x"})
    page = login("secadmin").get("/accounts/security/attempts/")
    assert page.status_code == 200
    text = page.content.decode()
    assert 'data-testid="attempts-total">6<' in text
    assert "203.0.113.9" in text and "198.51.100.4" in text
    assert "疑似撞库" in text  # three accounts from one address
    assert "无此账号" in text and "nobody1" in text
    assert "login_failed" not in text  # the action reads in words
    assert "登录失败" in text


@pytest.mark.parametrize("username", ["sysadmin", "auditadmin", "supervisor", "nanguan", "leader"])
def test_only_the_security_admin_sees_attempts(org, login, username):
    assert login(username).get("/accounts/security/attempts/").status_code == 403


def test_another_districts_attempts_stay_there(org, login):
    Client(REMOTE_ADDR="192.0.2.50").post("/accounts/login/", {"username": "jinshui", "password": "wrong"})
    text = login("secadmin").get("/accounts/security/attempts/").content.decode()
    assert "192.0.2.50" not in text and "jinshui" not in text
