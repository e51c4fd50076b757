"""Fixtures for the projects tests: configuration, a construction and an investment project
led by 南关街街道 (supported by 城建局 / 商务局), and upload helpers."""

import datetime as dt
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32


def pdf(name="evidence.pdf"):
    return SimpleUploadedFile(name, PDF, content_type="application/pdf")


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def config(org):
    from districtops.projects import demo

    demo.ensure_configuration()


@pytest.fixture
def units(org):
    from districtops.org.models import Unit

    district = org["districts"]["410104"]
    return {u.name: u for u in Unit.objects.filter(district=district)}


@pytest.fixture
def category(config):
    from districtops.projects.models import ConstructionCategory

    return ConstructionCategory.objects.get(code="road")


@pytest.fixture
def sector(config):
    from districtops.projects.models import Sector

    return Sector.objects.get(name="新一代信息技术")


def road_project(org):
    """A road project in 南关街街道, 2021-01-01 → 2021-12-31, with the seven template nodes."""
    from districtops.org.models import Unit
    from districtops.projects import services
    from districtops.projects.models import ConstructionCategory

    units = {u.name: u for u in Unit.objects.filter(district=org["districts"]["410104"])}
    return services.create_construction_project(
        None,
        code="T-001",
        name="测试道路工程",
        category=ConstructionCategory.objects.get(code="road"),
        lead_unit=units["南关街街道"],
        supporting_units=[units["城建局"]],
        command_post=units["城市道路改造指挥部"],
        responsible_leader="张副区长（示例）",
        budget=Decimal("10000000"),
        planned_start=dt.date(2021, 1, 1),
        planned_end=dt.date(2021, 12, 31),
    )


@pytest.fixture
def road(category, org):
    return road_project(org)


@pytest.fixture
def signed(sector, units):
    """An investment project signed 2021-02-25 in 南关街街道, supported by 商务局."""
    from districtops.projects import services
    from districtops.projects.models import Stage

    return services.create_investment_project(
        None,
        name="测试数据中心项目",
        investor_name="测试科技有限公司",
        investor_credit_code="91350100M000100Y43",
        sector=sector,
        contracted_amount=Decimal("500000000"),
        lead_unit=units["南关街街道"],
        supporting_units=[units["商务局"]],
        stage=Stage.SIGNED,
        signed_on=dt.date(2021, 2, 25),
        register_due=dt.date(2021, 3, 27),
    )


@pytest.fixture
def jinshui_road(category, org):
    """A project of another district (金水区)."""
    from districtops.projects import services

    return services.create_construction_project(
        None,
        name="金水道路工程",
        category=category,
        lead_unit=org["jinshui_street"],
        planned_start=dt.date(2021, 1, 1),
        planned_end=dt.date(2021, 6, 30),
    )
