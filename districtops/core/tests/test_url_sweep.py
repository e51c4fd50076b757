"""Every page of every app, walked from the URL configuration: nobody signed out gets in,
and no page a signed-in person may open crashes. New apps are covered without new code."""

import pytest
from django.urls import URLPattern, URLResolver, get_resolver

pytestmark = pytest.mark.django_db

PUBLIC_PREFIXES = (
    "accounts/login/", "healthz", "i18n/", "api/", "open311/", "public/", "accounts/logout/", "favicon.ico",
)  # fmt: skip


def _walk(patterns, prefix=""):
    for p in patterns:
        if isinstance(p, URLResolver):
            yield from _walk(p.url_patterns, prefix + str(p.pattern))
        elif isinstance(p, URLPattern):
            yield prefix + str(p.pattern), p


def _concrete_paths():
    """URL patterns without parameters (parameterised pages are covered by each app's tests)."""
    for route, _pattern in _walk(get_resolver().url_patterns):
        if "<" in route or "(?P" in route or route.startswith(PUBLIC_PREFIXES) or route.startswith("^"):
            continue
        yield "/" + route


def test_signed_out_visitors_are_sent_to_login(org, client):
    paths = sorted(set(_concrete_paths()))
    assert len(paths) > 10
    for path in paths:
        response = client.get(path)
        assert response.status_code in (302, 405), path
        if response.status_code == 302:
            assert response["Location"].startswith("/accounts/login/"), path


@pytest.mark.parametrize(
    "username",
    [
        "leader",
        "supervisor",
        "nanguan",
        "chengjian",
        "tongji",
        "sysadmin",
        "secadmin",
        "auditadmin",
        "jinshui",
    ],
)
def test_no_page_crashes_for_any_persona(org, login, username):
    client = login(username)
    for path in sorted(set(_concrete_paths())):
        status = client.get(path).status_code
        assert status in (200, 302, 403, 404, 405), (username, path, status)
