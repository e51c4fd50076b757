"""Issue 11: the API fuzzed in the suite — schemathesis against the app's own OpenAPI document,
in-process through the WSGI application (no server), as two personas (the supervisor, who sees
the district, and 南关 street staff, who see their unit). Fails on any 5xx and on any response
that does not match the document (status code declared, content type, body schema).

Bounded: a few examples per operation and persona, each with a deadline, derandomised so a
failure is reproducible; the whole run is printed in seconds at the end. SQLite pass only (the
PostgreSQL pass runs the same code; fuzzing it twice buys nothing).
"""

import time

import pytest
from django.db import connection
from hypothesis import HealthCheck, Phase, given
from hypothesis import settings as hsettings

schemathesis = pytest.importorskip("schemathesis")

MAX_EXAMPLES = 3  # per operation and persona
DEADLINE_MS = 3000  # per example
PERSONAS = ("supervisor", "nanguan")


def _checks():
    from schemathesis.checks import not_a_server_error
    from schemathesis.specs.openapi import checks

    return [
        not_a_server_error,
        checks.status_code_conformance,
        checks.content_type_conformance,
        checks.response_schema_conformance,
    ]


def _describe(exc) -> str:
    parts = [str(exc)] + [str(e) for e in getattr(exc, "exceptions", ())]
    return "\n".join(parts)[:2500]


@pytest.mark.django_db
def test_api_fuzz(org, api_client):
    if connection.vendor != "sqlite":
        pytest.skip("fuzzed on the SQLite pass only")
    from django.contrib.auth import get_user_model
    from django.core.wsgi import get_wsgi_application

    from districtops.accounts.services import create_token
    from districtops.api import api

    User = get_user_model()
    headers = {}
    for username in PERSONAS:
        _token, secret = create_token(None, User.objects.get(username=username), name="fuzz")
        headers[username] = {"Authorization": f"Bearer {secret}"}
    app = get_wsgi_application()
    schema = schemathesis.openapi.from_dict(api.get_openapi_schema())
    checks = _checks()
    failures, operations, statuses = [], 0, []
    started = time.monotonic()
    from schemathesis import GenerationMode

    for mode, result in [(m, r) for m in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE)
                         for r in schema.get_all_operations()]:  # fmt: skip
        operation = result.ok()
        if operation.method.lower() == "delete" and operation.path.startswith("/api/v1/tokens"):
            continue  # revoking the personas' own tokens would turn the rest of the run into 401s
        operations += 1

        @hsettings(
            max_examples=MAX_EXAMPLES,
            deadline=DEADLINE_MS,
            derandomize=True,
            database=None,
            phases=[Phase.explicit, Phase.generate],
            suppress_health_check=list(HealthCheck),
        )
        @given(case=operation.as_strategy(generation_mode=mode))
        def run(case):
            for persona in PERSONAS:
                response = case.call(app=app, headers=headers[persona])
                statuses.append(response.status_code)
                case.validate_response(response, checks=checks)

        try:
            run()
        except (
            Exception,
            BaseExceptionGroup,
        ) as exc:  # collect every operation's failure, then report them together
            failures.append(f"{mode.value} {operation.method.upper()} {operation.path}: {_describe(exc)}")
    elapsed = time.monotonic() - started
    ok = sum(1 for code in statuses if code < 300)
    print(f"fuzz: {operations} operations, {len(statuses)} calls ({ok} 2xx), {elapsed:.1f} s")
    assert operations > 100  # both modes over every operation
    assert statuses.count(401) == 0  # both personas' tokens were used on every call
    assert ok > len(statuses) // 8  # the generated calls reach the handlers, not only the validation
    assert failures == [], "\n\n".join(failures)
