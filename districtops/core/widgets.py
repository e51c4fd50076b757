"""Form widgets every app shares.

Date and month inputs carry ISO values whatever the active language: the zh-Hans
locale's first DATE_INPUT_FORMATS entry is ``%Y/%m/%d``, which a browser's
``<input type="date">`` cannot read (it shows an empty mm/dd/yyyy box and refuses to
submit the form). Use these classes, never a bare ``forms.DateInput``; the test
``core/tests/test_widgets.py`` walks every form in the project and fails otherwise.
"""

from django import forms

ISO_DATE = "%Y-%m-%d"
ISO_MONTH = "%Y-%m"


class IsoDateInput(forms.DateInput):
    """``<input type="date">`` whose value is always ``YYYY-MM-DD``."""

    input_type = "date"

    def __init__(self, attrs=None):
        super().__init__(attrs=attrs, format=ISO_DATE)


class IsoMonthInput(forms.DateInput):
    """``<input type="month">`` whose value is always ``YYYY-MM``; pair it with a field
    whose ``input_formats`` accept ``%Y-%m``."""

    input_type = "month"

    def __init__(self, attrs=None):
        super().__init__(attrs=attrs, format=ISO_MONTH)
