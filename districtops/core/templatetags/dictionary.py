"""Template filters of the code dictionary (core/dictionary.py): ``{% load dictionary %}``."""

from django import template

from districtops.core import dictionary

register = template.Library()

for _name in (
    "action_label",
    "outcome_label",
    "channel_label",
    "job_label",
    "model_label",
    "rule_label",
    "summary_items",
    "rule_params",
    "rule_text",
    "local_datetime",
):
    register.filter(_name, getattr(dictionary, _name))
