"""The login page's one declared submit button is 登录: a walker (or a script) that presses the
first ``button[type=submit]`` signs in instead of switching the language."""

import re

import pytest
from django.test import Client

pytestmark = pytest.mark.django_db


def test_the_first_submit_button_signs_in(org):
    html = Client().get("/accounts/login/").content.decode()
    buttons = re.findall(r"<button[^>]*type=\"submit\"[^>]*>(.*?)</button>", html, re.S)
    assert buttons and buttons[0].strip() == "登录"
    assert 'data-testid="lang-en"' in html  # the switch is still there, submitting its own form
