"""Every date and month input in the project carries an ISO value under zh-Hans.

zh-Hans formats dates as 2021/03/31, which ``<input type="date">`` cannot read: the
browser shows an empty box and refuses to submit (交办日期 on a new matter, 召开日期 on a
meeting). The walk below covers every form class of every app, so a new date field
that forgets ``core.widgets.IsoDateInput`` fails here.
"""

import datetime as dt
import importlib
import inspect
import re

import pytest
from django import forms
from django.apps import apps
from django.utils import translation

from districtops.core.widgets import IsoDateInput, IsoMonthInput

DAY = dt.date(2021, 3, 31)


def _project_forms():
    found = []
    for config in apps.get_app_configs():
        if not config.name.startswith("districtops."):
            continue
        try:
            module = importlib.import_module(f"{config.name}.forms")
        except ModuleNotFoundError:
            continue
        for _name, cls in inspect.getmembers(module, inspect.isclass):
            if issubclass(cls, forms.BaseForm) and cls.__module__ == module.__name__:
                found.append(cls)
    return found


def _date_fields():
    return [
        pytest.param(cls, name, field, id=f"{cls.__module__.split('.')[1]}.{cls.__name__}.{name}")
        for cls in _project_forms()
        for name, field in cls.base_fields.items()
        if isinstance(field, forms.DateField)
    ]


def test_the_walk_finds_the_forms_that_broke():
    names = {(p.values[0].__name__, p.values[1]) for p in _date_fields()}
    assert ("MatterForm", "assigned_on") in names
    assert ("MeetingForm", "held_on") in names
    assert len(names) >= 20


@pytest.mark.parametrize("cls,name,field", _date_fields())
def test_every_date_field_renders_iso_under_chinese(cls, name, field):
    assert isinstance(field.widget, IsoDateInput | IsoMonthInput), (
        f"{cls.__module__}.{cls.__name__}.{name} uses {type(field.widget).__name__}"
    )
    with translation.override("zh-hans"):
        html = field.widget.render(name, DAY)
    expected = "2021-03" if isinstance(field.widget, IsoMonthInput) else "2021-03-31"
    assert f'value="{expected}"' in html, html
    assert re.search(r'type="(date|month)"', html)
    if isinstance(field.widget, IsoMonthInput):
        assert "%Y-%m" in field.input_formats, "a month input posts YYYY-MM"


def test_a_bare_date_input_would_fail_the_check():
    # What the walk protects against: Django's own DateInput follows the zh-Hans format.
    with translation.override("zh-hans"):
        html = forms.DateInput(attrs={"type": "date"}).render("d", DAY)
    assert 'value="2021/03/31"' in html


@pytest.mark.django_db
def test_new_matter_and_meeting_pages_carry_iso_defaults(org, login):
    supervisor = login("supervisor")
    for path, field in (
        ("/supervision/matters/new/", "assigned_on"),
        ("/supervision/meetings/new/", "held_on"),
    ):
        html = supervisor.get(path, HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
        tag = re.search(rf'<input[^>]*name="{field}"[^>]*>', html).group(0)
        assert 'value="2021-03-31"' in tag, tag
