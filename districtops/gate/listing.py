"""Lists: one filter definition per list, shared by the page, its export and the API.

Each list declares one ``ListFilters`` subclass (a django-ninja ``FilterSchema``, so pydantic):
its fields are the list's filters with their types (a state enum, a unit ``Id``, ``bool`` for
``overdue``/``open``/``stalled``, ``str`` for ``q``, a ``Month``…) and each field says how it
narrows the queryset — a ``FilterLookup`` or a ``filter_<name>(value) -> Q`` method, as
ninja's FilterSchema reads them. ``rows(user)`` starts from ``Model.objects.restrict(user,
"view")``, so a filter only ever narrows what the gate lets the person see.

- **API**: the handler declares ``filters: XFilters = Query(...)``; ninja shows each field as a
  typed query parameter in the OpenAPI schema and answers a value it cannot read with 422,
  naming the parameter and (for a choice) the allowed values, in Chinese (``api_utils``).
- **Page and export**: ``XFilters.from_params(request.GET)`` reads the same fields. A value that
  does not read is left out of the filtering *and* reported (``filters.errors``, Chinese
  sentences naming the filter by its label); the page shows them at its filter form with
  status 400 (``filters.http_status``), the export refuses to write a workbook that would not hold
  the rows the person asked for (``export_refused``).
- **Chips**: the filters in ``chips`` that the page's form has no control for (a cockpit link's
  ``district``, ``closed_in``…) come out of ``filters.active(user)`` as
  ``{name, value, label}``: kept as hidden fields and named above the table.

core/tests/test_architecture.py holds the line: no API handler turns typed arguments back into
a string dict, and no list view reads a filter out of ``request.GET`` by itself.
"""

from __future__ import annotations

import enum
from typing import Any, ClassVar

from django.db.models import Q
from django.http import HttpResponse
from ninja import FilterSchema
from pydantic import PrivateAttr, model_validator
from pydantic import ValidationError as PydanticValidationError

__all__ = ["ListFilters", "export_refused"]


def _plain(value) -> str:
    """A filter value as it stands in a query string (True → "1", an enum → its value)."""
    if value is True:
        return "1"
    if isinstance(value, enum.Enum):
        return str(value.value)
    return str(value)


class ListFilters(FilterSchema):
    """The base of every list's filters (see the module docstring)."""

    model: ClassVar[Any] = None  # the list's model: rows() starts from its gated manager
    action: ClassVar[str] = "view"
    labels: ClassVar[dict[str, Any]] = {}  # field → the label a person reads (messages, chips)
    chips: ClassVar[tuple[str, ...]] = ()  # fields named above the table and kept as hidden inputs
    choices: ClassVar[dict[str, dict]] = {}  # field → {value: label} when its type is no Choices enum

    _errors: list[str] = PrivateAttr(default_factory=list)
    _lenient: bool = PrivateAttr(default=False)  # read from a page (errors shown) or the API (422)
    _checked: bool = PrivateAttr(default=False)

    @model_validator(mode="before")
    @classmethod
    def _blank_is_absent(cls, data):
        """``?state=`` (the form's "all") is no filter; text is stripped."""
        if isinstance(data, dict):
            cleaned = {}
            for key, value in data.items():
                if isinstance(value, str):
                    value = value.strip()
                    if not value:
                        continue
                cleaned[key] = value
            return cleaned
        return data

    # ------------------------------------------------------------------ reading
    @classmethod
    def from_params(cls, params, **defaults) -> ListFilters:
        """The filters of a page's query string (a QueryDict or a dict of strings); ``defaults``
        for the fields the query leaves out (a page's default status). A value that does not
        read is left out and named in ``errors``; the rest still filter."""
        data = {name: params.get(name) for name in cls.model_fields if params.get(name) not in (None, "")}
        data = {**defaults, **data}
        try:
            filters = cls.model_validate(data)
        except PydanticValidationError as exc:
            problems = exc.errors()
            bad = {str(p["loc"][0]) for p in problems if p.get("loc")}
            filters = cls.model_validate({k: v for k, v in data.items() if k not in bad})
            filters._errors = [cls._message(p, data) for p in problems]
        filters._lenient = True
        return filters

    @classmethod
    def _message(cls, problem: dict, data: dict) -> str:
        from django.utils.translation import gettext as _

        from .api_utils import _error_text

        name = str(problem["loc"][0]) if problem.get("loc") else ""
        label = cls.labels.get(name, name)
        choices = cls._choice_labels(name)
        if choices and problem.get("type") in ("enum", "literal_error"):
            reason = _("须为以下之一：%(values)s") % {"values": _("、").join(choices)}
        else:
            reason = _error_text(problem)
        return _("筛选条件“%(label)s”的值“%(value)s”无法识别（%(reason)s），未按它筛选。") % {
            "label": label,
            "value": str(data.get(name, ""))[:40],
            "reason": reason,
        }

    @classmethod
    def _choice_labels(cls, name: str) -> list[str]:
        """The labels of a choice field's values (a TextChoices/IntegerChoices annotation)."""
        import typing

        if name in cls.choices:
            return [str(label) for label in cls.choices[name].values()]
        field = cls.model_fields.get(name)
        if field is None:
            return []
        for kind in (field.annotation, *typing.get_args(field.annotation)):
            if isinstance(kind, type) and issubclass(kind, enum.Enum) and hasattr(kind, "labels"):
                return [str(label) for label in kind.labels]
        return []

    @property
    def errors(self) -> list[str]:
        return list(self._errors)

    @property
    def http_status(self) -> int:
        """The page's status: 400 when a filter value did not read (the message is on the page)."""
        return 400 if self._errors else 200

    # ------------------------------------------------------------------ filtering
    def base(self, user):
        """What the gate lets ``user`` see of the list's model."""
        return self.model.objects.restrict(user, self.action)

    def rows(self, user):
        """The list: the gated queryset, narrowed by every filter that is set."""
        self.prepare(user)
        return self.filter(self.base(user))

    def check(self, user) -> dict[str, str]:
        """Checks that need the person (a unit they may see): {field: Chinese message}."""
        return {}

    def prepare(self, user) -> None:
        """Run ``check`` once: on a page a failed field is named and left out, on the API it is
        a ValidationError (422 naming the field)."""
        if self._checked:
            return
        self._checked = True
        problems = self.check(user)
        if not problems:
            return
        if not self._lenient:
            from django.core.exceptions import ValidationError

            raise ValidationError(problems)
        from django.utils.translation import gettext as _

        for name, message in problems.items():
            self._errors.append(
                _("筛选条件“%(label)s”的值“%(value)s”无法识别（%(reason)s），未按它筛选。")
                % {
                    "label": self.labels.get(name, name),
                    "value": _plain(getattr(self, name)),
                    "reason": message,
                }
            )
            setattr(self, name, None)

    def filter(self, queryset):
        return queryset.filter(self.get_filter_expression())

    def _resolve_field_expression(self, field_name, field_value, field_info) -> Q:
        # A filter that is not set narrows nothing, nor does a boolean that is off
        # (``overdue=false`` is the whole list); the ``filter_<name>`` methods see set values only.
        if field_value is None or field_value is False:
            return Q()
        return super()._resolve_field_expression(field_name, field_value, field_info)

    # ------------------------------------------------------------------ writing back
    def query(self) -> dict[str, str]:
        """The filters that are set, as query parameters (export links, paging, hidden inputs)."""
        values = {}
        for name in type(self).model_fields:
            value = getattr(self, name)
            if value is None or value is False or value == "":
                continue
            values[name] = _plain(value)
        return values

    def querystring(self) -> str:
        from urllib.parse import urlencode

        return urlencode(self.query())

    def active(self, user) -> list[dict]:
        """The ``chips`` that are set, as {name, value, label}: hidden inputs and the names above
        the table. A unit the person cannot see is named by its id only."""
        found = []
        for name in self.chips:
            value = getattr(self, name)
            if value is None or value is False or value == "":
                continue
            found.append({"name": name, "value": _plain(value), "label": self.chip_label(name, value, user)})
        return found

    def chip_label(self, name: str, value, user) -> str:
        method = getattr(self, f"chip_{name}", None)
        if callable(method):
            return str(method(value, user))
        label = self.labels.get(name, name)
        if value is True:
            return str(label)
        return f"{label}：{value}"

    @staticmethod
    def unit_chip(label, pk, user) -> str:
        from districtops.org.models import Unit

        name = Unit.objects.restrict(user, "view").filter(pk=pk).values_list("name", flat=True).first()
        return f"{label}：{name or pk}"


def export_refused(filters: ListFilters) -> HttpResponse | None:
    """An export asked with a filter value that does not read gets no workbook (it would not
    hold the rows asked for): 400 with the messages, as plain text."""
    if not filters.errors:
        return None
    return HttpResponse("\n".join(filters.errors), status=400, content_type="text/plain; charset=utf-8")


def page_status(request, filters: ListFilters) -> int:
    """The list page's status: 400 when a filter value did not read — but 200 for an htmx swap
    of the rows, which htmx would not swap otherwise (the form's own controls send valid values)."""
    return 200 if getattr(request, "htmx", False) else filters.http_status
