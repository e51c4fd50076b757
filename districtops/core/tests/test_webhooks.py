"""Issue 11 #6: robot webhook keys are write-only everywhere, and a webhook goes only to https on
a public host — checked at save and again at send (DNS rebinding), in the one sender."""

import pytest
from django.core.exceptions import ValidationError

from districtops.core import webhooks

WECOM = "https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=693a91f6-7xxx-4bc4-97a0-0ec2sifa5aaa"
DINGTALK = "https://oapi.dingtalk.com/robot/send?access_token=abcdef0123456789"


@pytest.mark.parametrize(
    "url",
    [
        "http://oapi.dingtalk.com/robot/send?access_token=x",  # not https
        "https://127.0.0.1/send",
        "https://127.8.9.10:8443/send",
        "https://localhost/send",
        "https://intranet.local/send",
        "https://[::1]/send",
        "https://[::ffff:127.0.0.1]/send",
        "https://169.254.169.254/latest/meta-data/",
        "https://10.1.2.3/send",
        "https://172.16.0.1/send",
        "https://192.168.1.1/send",
        "https://100.64.0.1/send",  # carrier-grade NAT
        "https://0.0.0.0/send",
        "https://[fe80::1]/send",
        "https://[fd00::1]/send",
        "https://224.0.0.1/send",
        "https://user:pw@oapi.dingtalk.com/robot/send",
        "file:///etc/passwd",
        "gopher://example.com/",
        "https:///nohost",
        "https://oapi.dingtalk.com:99999/x",
    ],
)
def test_refused_at_save(url):
    with pytest.raises(ValidationError) as exc:
        webhooks.validate_webhook_url(url, "webhook_url")
    assert "webhook_url" in exc.value.message_dict


def test_name_resolving_to_a_private_address_is_refused_at_save(monkeypatch):
    monkeypatch.setattr(webhooks, "resolve", lambda host, port: ["93.184.216.34", "10.0.0.5"])
    with pytest.raises(ValidationError):
        webhooks.validate_webhook_url("https://robot.example.com/send")
    monkeypatch.setattr(webhooks, "resolve", lambda host, port: ["93.184.216.34"])
    assert (
        webhooks.validate_webhook_url(" https://robot.example.com/send ") == "https://robot.example.com/send"
    )


def test_dns_rebinding_refused_at_send_before_connecting(monkeypatch):
    """Public when saved, loopback when the daily job sends: refused, nothing connects."""
    monkeypatch.setattr(webhooks, "resolve", lambda host, port: ["93.184.216.34"])
    webhooks.validate_webhook_url("https://robot.example.com/send")
    connected = []

    class Connection:
        def __init__(self, *args):
            connected.append(args)

    monkeypatch.setattr(webhooks, "_PinnedHTTPSConnection", Connection)
    monkeypatch.setattr(webhooks, "resolve", lambda host, port: ["127.0.0.1"])
    with pytest.raises(webhooks.UnsafeWebhook):
        webhooks.post_json("https://robot.example.com/send", {"msgtype": "text"})
    with pytest.raises(webhooks.UnsafeWebhook):
        webhooks.post_json("https://10.0.0.1/send", {"msgtype": "text"})
    assert connected == []


def test_send_connects_to_the_address_it_checked(monkeypatch):
    """The connection goes to the checked address (certificate checked for the name): a second
    lookup between check and connect cannot swap it."""
    answers = iter([["93.184.216.34"], ["127.0.0.1"]])
    monkeypatch.setattr(webhooks, "resolve", lambda host, port: next(answers))
    seen = {}

    class Reply:
        status = 200

        def read(self, amount=None):
            return b'{"errcode": 0}'

    class Connection:
        def __init__(self, host, address, port, timeout):
            seen.update(host=host, address=address, port=port)

        def request(self, method, target, body, headers):
            seen.update(method=method, target=target, body=body)

        def getresponse(self):
            return Reply()

        def close(self):
            pass

    monkeypatch.setattr(webhooks, "_PinnedHTTPSConnection", Connection)
    assert webhooks.post_json("https://robot.example.com/send?key=k", {"a": 1}) == {"errcode": 0}
    assert seen == {
        "host": "robot.example.com", "address": "93.184.216.34", "port": 443,
        "method": "POST", "target": "/send?key=k", "body": b'{"a": 1}',
    }  # fmt: skip


def test_masks():
    assert webhooks.mask_url(WECOM) == "https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=••••5aaa"
    assert "abcdef0123456789" not in webhooks.mask_url(DINGTALK)
    assert webhooks.mask_secret("SEC123") == "••••" and webhooks.mask_secret("") == ""


@pytest.fixture
def wecom_for_chengjian(org):
    from districtops.supervision import services

    return services.save_reminder_settings(
        None, org["units"]["城建局"], email_enabled=True, webhook_kind="wecom", webhook_url=WECOM
    )


def test_reminder_settings_go_through_the_gate_and_the_write_permission(wecom_for_chengjian, org, login):
    url = f"/supervision/units/{org['units']['城建局'].pk}/reminders/"
    for outsider in ("nanguan", "tongji", "beixiajie"):
        r = login(outsider).get(url)
        assert r.status_code == 403, outsider
        assert "693a91f6" not in r.content.decode()
    assert login("jinshui").get(url).status_code == 404
    for allowed in ("chengjian", "supervisor"):
        body = login(allowed).get(url).content.decode()
        assert "693a91f6" not in body, allowed  # write-only: shown masked, never as a value
        assert "key=••••5aaa" in body


def test_reminder_url_replaced_only_when_typed_and_validated(wecom_for_chengjian, org, login):
    from districtops.supervision.models import ReminderSettings

    unit = org["units"]["城建局"]
    url = f"/supervision/units/{unit.pk}/reminders/"
    c = login("chengjian")
    assert c.post(url, {"email_enabled": "on", "webhook_kind": "wecom", "webhook_url": ""}).status_code == 302
    assert ReminderSettings.objects.get(unit=unit).webhook_url == WECOM
    r = c.post(url, {"email_enabled": "on", "webhook_kind": "wecom", "webhook_url": "https://127.0.0.1/x"})
    assert r.status_code == 200 and "公网" in r.content.decode()
    assert ReminderSettings.objects.get(unit=unit).webhook_url == WECOM
    assert c.post(url, {"email_enabled": "on", "clear_webhook": "on"}).status_code == 302
    cleared = ReminderSettings.objects.get(unit=unit)
    assert cleared.webhook_url == "" and cleared.webhook_kind == ""


def test_audit_trail_keeps_no_webhook_key(wecom_for_chengjian):
    from districtops.audit.models import AuditRecord

    rows = AuditRecord.objects.filter(object_type="supervision.remindersettings")
    assert rows.exists()
    for row in rows:
        assert "693a91f6" not in str(row.after) and "693a91f6" not in str(row.before)


def test_daily_job_refuses_a_rebound_host(org, monkeypatch):
    """The reminder job sends through the one sender: a saved URL whose name now resolves to
    loopback is not called; the job goes on and logs it."""
    import datetime as dt

    from districtops.supervision import reminders, services
    from districtops.supervision.tests.factories import matter

    monkeypatch.setattr(webhooks, "resolve", lambda host, port: ["93.184.216.34"])
    services.save_reminder_settings(
        None, org["units"]["南关街街道"], email_enabled=False, webhook_kind="wecom",
        webhook_url="https://robot.example.com/send?key=k",
    )  # fmt: skip
    matter(org["units"], title="逾期", deadline=dt.date(2021, 3, 20))
    monkeypatch.setattr(webhooks, "resolve", lambda host, port: ["127.0.0.1"])
    connected = []
    monkeypatch.setattr(webhooks, "_PinnedHTTPSConnection", lambda *a: connected.append(a))
    log = []
    counts = reminders.run_daily(log.append)
    assert counts["webhooks"] == 0 and connected == []
    assert any("群机器人发送失败" in line for line in log)


def test_cockpit_subscription_target_validated_by_the_same_validator(org, users):
    from districtops.cockpit import services

    with pytest.raises(ValidationError) as exc:
        services.create_subscription(
            users["leader"], district=org["districts"]["410104"], channel="wecom",
            target="https://192.168.0.10/cgi-bin/webhook/send?key=x",
        )  # fmt: skip
    assert "target" in exc.value.message_dict
    sub = services.create_subscription(
        users["leader"], district=org["districts"]["410104"], channel="wecom", target=WECOM
    )
    assert "693a91f6" not in sub.target_display
