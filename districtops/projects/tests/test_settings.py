"""The settings screen: sectors, categories, node templates, checklists and thresholds —
kept by the system administrator through services with audit; everyone else is refused."""

import datetime as dt
import json

import pytest

from districtops.audit.models import AuditRecord

pytestmark = pytest.mark.django_db
API = "/api/v1/projects/settings"


@pytest.mark.parametrize("username", ["nanguan", "leader", "supervisor", "secadmin"])
def test_only_the_system_administrator_reaches_the_settings(login, config, username, category):
    client = login(username)
    assert client.get("/projects/settings/").status_code == 403
    assert client.get("/projects/settings/sector/new/").status_code == 403
    assert (
        client.post("/projects/settings/sector/new/", {"name": "新领域", "sort_order": 9}).status_code == 403
    )
    assert client.get(f"/projects/settings/category/{category.pk}/").status_code == 403


def test_settings_page_lists_everything(login, config, category):
    page = login("sysadmin").get("/projects/settings/").content.decode()
    assert "新一代信息技术" in page and category.name in page and "规划设计" in page
    assert 'data-testid="settings-thresholds"' in page and "90" in page
    assert "项目配置" in login("sysadmin").get("/").content.decode()  # in the module menu


def test_sector_create_edit_and_deactivate_with_audit(login, config):
    from districtops.projects.models import Sector

    client = login("sysadmin")
    response = client.post(
        "/projects/settings/sector/new/", {"name": " 生物医药 ", "sort_order": 5, "is_active": "on"}
    )
    assert response.status_code == 302
    sector = Sector.objects.get(name="生物医药")
    assert AuditRecord.objects.filter(
        object_type="projects.sector", action="create", object_id=str(sector.pk)
    ).exists()
    client.post(f"/projects/settings/sector/{sector.pk}/", {"name": "生物医药", "sort_order": 5})
    sector.refresh_from_db()
    assert not sector.is_active
    assert AuditRecord.objects.filter(object_type="projects.sector", action="update").exists()
    # An inactive sector is no longer offered for new projects.
    form = client.get("/projects/settings/").content.decode()
    assert "已停用" in form


def test_sector_bad_input(login, config):
    client = login("sysadmin")
    duplicate = client.post(
        "/projects/settings/sector/new/", {"name": "高端商贸", "sort_order": 1}
    ).content.decode()
    assert "已存在" in duplicate
    blank = client.post("/projects/settings/sector/new/", {"name": "  ", "sort_order": 1}).content.decode()
    assert "这个字段是必填项" in blank


def test_category_with_node_template_and_checklist(login, config):
    from districtops.projects import services
    from districtops.projects.models import ArchiveRequirement, ConstructionCategory, NodeTemplate

    client = login("sysadmin")
    assert (
        client.post(
            "/projects/settings/category/new/",
            {"code": "park", "name": "口袋公园", "missing_documents_policy": "block", "sort_order": 7},
        ).status_code
        == 302
    )
    park = ConstructionCategory.objects.get(code="park")
    for seq, name, offset, duration in ((1, "设计", 0, 30), (2, "施工", 30, 60)):
        response = client.post(
            f"/projects/settings/node/new/?category={park.pk}",
            {"sequence": seq, "name": name, "offset_days": offset, "duration_days": duration},
        )
        assert response.status_code == 302
    assert client.get(f"/projects/settings/requirement/new/?category={park.pk}").status_code == 200
    response = client.post(
        f"/projects/settings/requirement/new/?category={park.pk}",
        {"node_name": "施工", "name": "施工合同", "sort_order": 1},
    )
    assert response.status_code == 302
    requirement = ArchiveRequirement.objects.get(category=park)
    # Renaming a template node takes its checklist items along.
    node = NodeTemplate.objects.get(category=park, name="施工")
    client.post(
        f"/projects/settings/node/{node.pk}/",
        {"sequence": 2, "name": "进场施工", "offset_days": 30, "duration_days": 60},
    )
    requirement.refresh_from_db()
    assert requirement.node_name == "进场施工"
    # A new project of the category is laid out from the template.
    from districtops.org.models import Unit

    street = Unit.objects.get(name="南关街街道")
    project = services.create_construction_project(
        None, name="口袋公园一号", category=park, lead_unit=street,
        planned_start=dt.date(2021, 1, 1), planned_end=dt.date(2021, 3, 31),
    )  # fmt: skip
    assert list(project.nodes.values_list("name", flat=True)) == ["设计", "进场施工"]
    # The policy drives completing a node with its document missing: blocked.
    assert park.missing_documents_policy == "block"
    kinds = set(
        AuditRecord.objects.filter(
            object_type__in=["projects.nodetemplate", "projects.archiverequirement"]
        ).values_list("action", flat=True)
    )
    assert kinds == {"create", "update"}


def test_category_node_and_checklist_bad_input(login, category):
    from districtops.projects.models import NodeTemplate

    client = login("sysadmin")
    first = category.node_templates.order_by("sequence").first()
    clash = client.post(
        f"/projects/settings/node/new/?category={category.pk}",
        {"sequence": first.sequence, "name": "新节点", "offset_days": 0, "duration_days": 5},
    ).content.decode()
    assert "已有顺序为" in clash
    zero = client.post(
        f"/projects/settings/node/new/?category={category.pk}",
        {"sequence": 99, "name": "收尾", "offset_days": 999, "duration_days": 0},
    ).content.decode()
    assert "工期至少 1 天" in zero
    backwards = client.post(
        f"/projects/settings/node/new/?category={category.pk}",
        {"sequence": 99, "name": "收尾", "offset_days": 0, "duration_days": 5},
    ).content.decode()
    assert "不能早于前一节点" in backwards
    assert not NodeTemplate.objects.filter(name="收尾").exists()
    unknown_node = client.post(
        f"/projects/settings/requirement/new/?category={category.pk}", {"node_name": "不存在", "name": "x"}
    ).content.decode()
    assert "选择一个有效的选项" in unknown_node
    bad_code = client.post(
        "/projects/settings/category/new/",
        {"code": "城 市", "name": "某类", "missing_documents_policy": "warn", "sort_order": 0},
    ).content.decode()
    assert "下划线或连字符号组成的有效" in bad_code  # Django's slug message, on the 代码 field
    assert client.get("/projects/settings/node/new/?category=999999").status_code == 404
    assert client.get("/projects/settings/nonsense/new/").status_code == 404


def test_thresholds_drive_the_stalled_list_and_are_validated(login, signed):
    from districtops.projects import measures
    from districtops.projects.models import InvestmentProject, ProjectSettings

    client = login("sysadmin")
    today = dt.date(2021, 3, 31)
    bad = client.post(
        "/projects/settings/thresholds/", {"stalled_days": 0, "fund_lag_points": 20, "version": 1}
    )
    assert "1 到 3650" in bad.content.decode()
    assert not ProjectSettings.objects.exists()
    days = (today - signed.stage_changed_on).days
    assert days <= 90  # the fixture's project is not stalled under the default 90 days
    assert not measures.stalled_projects(InvestmentProject.objects.filter(pk=signed.pk), today).exists()
    response = client.post(
        "/projects/settings/thresholds/",
        {"stalled_days": max(1, days - 1), "fund_lag_points": 15, "version": 1},
    )
    assert response.status_code == 302
    assert ProjectSettings.current().stalled_days == max(1, days - 1)
    assert measures.stalled_projects(InvestmentProject.objects.filter(pk=signed.pk), today).exists()
    assert AuditRecord.objects.filter(object_type="projects.projectsettings", action="update").exists()
    stale = client.post(
        "/projects/settings/thresholds/", {"stalled_days": 30, "fund_lag_points": 15, "version": 1}
    )
    assert "已被他人修改" in stale.content.decode()


def test_settings_api(api_client, config, category):
    admin = api_client("sysadmin")
    assert (
        api_client("nanguan")
        .post(f"{API}/sectors", {"name": "x"}, content_type="application/json")
        .status_code
        == 403
    )
    assert api_client("leader").get(f"{API}/categories").status_code == 403
    created = admin.post(f"{API}/sectors", {"name": "数字经济"}, content_type="application/json")
    assert created.status_code == 201 and created.json()["is_active"] is True
    sector_id = created.json()["id"]
    patched = admin.patch(f"{API}/sectors/{sector_id}", {"is_active": False}, content_type="application/json")
    assert patched.json()["is_active"] is False and patched.json()["name"] == "数字经济"
    dup = admin.post(f"{API}/sectors", {"name": "数字经济"}, content_type="application/json")
    assert dup.status_code == 422 and "name" in json.dumps(dup.json())
    cat = admin.post(
        f"{API}/categories", {"code": "lighting", "name": "亮化工程", "missing_documents_policy": "block"},
        content_type="application/json",
    )  # fmt: skip
    assert cat.status_code == 201
    cat_id = cat.json()["id"]
    node = admin.post(
        f"{API}/categories/{cat_id}/nodes", {"sequence": 1, "name": "设计"}, content_type="application/json"
    )
    assert node.status_code == 201
    bad_node = admin.post(
        f"{API}/categories/{cat_id}/nodes", {"sequence": 2, "name": "施工", "duration_days": 0},
        content_type="application/json",
    )  # fmt: skip
    assert bad_node.status_code == 422 and "duration_days" in json.dumps(bad_node.json())
    req = admin.post(
        f"{API}/categories/{cat_id}/requirements", {"node_name": "设计", "name": "设计批复"},
        content_type="application/json",
    )  # fmt: skip
    assert req.status_code == 201
    bad_req = admin.post(
        f"{API}/categories/{cat_id}/requirements", {"node_name": "验收", "name": "验收报告"},
        content_type="application/json",
    )  # fmt: skip
    assert bad_req.status_code == 422 and "node_name" in json.dumps(bad_req.json())
    listing = admin.get(f"{API}/categories").json()["items"]
    lighting = next(c for c in listing if c["code"] == "lighting")
    assert [n["name"] for n in lighting["node_templates"]] == ["设计"] and lighting["requirements"][0][
        "name"
    ] == "设计批复"
    renamed = admin.patch(
        f"{API}/nodes/{node.json()['id']}", {"name": "方案设计"}, content_type="application/json"
    )
    assert renamed.status_code == 200
    lighting = next(c for c in admin.get(f"{API}/categories").json()["items"] if c["code"] == "lighting")
    assert lighting["requirements"][0]["node_name"] == "方案设计"
    thresholds = admin.patch(f"{API}/thresholds", {"fund_lag_points": 101}, content_type="application/json")
    assert thresholds.status_code == 422 and "fund_lag_points" in json.dumps(thresholds.json())
    ok = admin.patch(f"{API}/thresholds", {"fund_lag_points": 25}, content_type="application/json")
    assert ok.status_code == 200 and ok.json()["fund_lag_points"] == 25
    assert api_client("nanguan").get(f"{API}/thresholds").json()["fund_lag_points"] == 25
    assert (
        api_client("nanguan")
        .patch(f"{API}/thresholds", {"fund_lag_points": 5}, content_type="application/json")
        .status_code
        == 403
    )


def test_inactive_sector_leaves_new_forms_but_stays_on_its_projects(login, signed, sector):
    from districtops.projects import services

    services.save_sector(None, sector, is_active=False)
    new = login("nanguan").get("/projects/investment/new/").content.decode()
    assert f'value="{sector.pk}"' not in new
    edit = login("nanguan").get(f"/projects/investment/{signed.pk}/edit/").content.decode()
    assert f'value="{sector.pk}" selected' in edit
