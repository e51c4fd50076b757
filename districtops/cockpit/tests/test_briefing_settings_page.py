"""The page on which the district sets its briefing's 版头 and 版记."""

import pytest

from districtops.audit.models import AuditRecord
from districtops.cockpit.models import BriefingSettings

pytestmark = pytest.mark.django_db

URL = "/cockpit/410104/briefing/settings/"


def _form(**overrides):
    values = {
        "sign": "管城回族区人民政府办公室/经济运行简报",
        "issuer": "管城回族区人民政府办公室",
        "number_prefix": "管政办简",
        "recipients": "各街道办事处",
        "copy_to": "区委办公室",
        "printer": "管城回族区人民政府办公室",
        "classification": "",
        "version": "",
    }
    values.update(overrides)
    return values


def test_supervisor_sets_the_header_and_it_is_audited(org, login):
    client = login("supervisor")
    page = client.get(URL)
    assert page.status_code == 200
    text = page.content.decode()
    assert "发文机关标志" in text and "管政办通〔2021〕1号" in text  # the default 代字, as an example
    response = client.post(URL, _form())
    assert response.status_code == 302
    row = BriefingSettings.objects.get(district__division_code="410104")
    assert row.number_prefix == "管政办简" and row.sign_lines == ["管城回族区人民政府办公室", "经济运行简报"]
    assert AuditRecord.objects.filter(object_type="cockpit.briefingsettings", object_id=str(row.pk)).exists()
    # A second change carries the version; a stale one is refused at the form.
    assert client.post(URL, _form(number_prefix="管政办二", version=row.version)).status_code == 302
    stale = client.post(URL, _form(number_prefix="管政办三", version=row.version))
    assert (
        stale.status_code == 200 and "管政办三" not in BriefingSettings.objects.get(pk=row.pk).number_prefix
    )


def test_required_fields_are_named_in_chinese(org, login):
    response = login("supervisor").post(URL, _form(issuer="", number_prefix=""))
    assert response.status_code == 200
    assert not BriefingSettings.objects.exists()
    assert "这个字段是必填项" in response.content.decode() or "必填" in response.content.decode()


@pytest.mark.parametrize("username", ["nanguan", "tongji", "sysadmin", "jinshui_leader"])
def test_others_may_not_set_guanchengs_briefing(org, login, username):
    client = login(username)
    assert client.get(URL).status_code in (403, 404)
    assert client.post(URL, _form()).status_code in (403, 404)
    assert not BriefingSettings.objects.exists()


def test_the_cockpit_links_to_the_settings(org, login):
    assert "briefing-settings-link" in login("leader").get("/cockpit/410104/").content.decode()
