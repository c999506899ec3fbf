"""Property-based fuzzing of the REST API from its own OpenAPI document (schemathesis):
no generated input may produce a server error, for a brand admin or a rep (hardening).

Bounded: a few examples per operation (``DIRECTCRM_FUZZ_EXAMPLES``, default 10), no
shrinking, derandomized, so the run is repeatable and short on both databases. The check
is "no 5xx, the answer is JSON, and its status is one the document declares for the
operation": the document describes bodies loosely (``type: object``), so response
contents are asserted by the API tests instead.
"""

from __future__ import annotations

import os

import schemathesis
from hypothesis import HealthCheck, Phase, given, settings

from tests.web.conftest import PASSWORD

EXAMPLES = int(os.environ.get("DIRECTCRM_FUZZ_EXAMPLES", "10"))


def _token(app, username: str) -> str:
    r = app.test_client().post("/api/v1/security/login", json={
        "username": username, "password": PASSWORD, "provider": "db"})
    return r.json["access_token"]


def test_no_generated_request_is_a_server_error(app):
    tokens = {u: {"Authorization": f"Bearer {_token(app, u)}"} for u in ("boss_a", "rep1")}
    schema = schemathesis.openapi.from_wsgi("/api/v1/_openapi", app,
                                            headers=tokens["boss_a"])
    failures: list[str] = []
    tried = 0
    declared: set[str] = set()  # the statuses the current operation declares
    for result in schema.get_all_operations():
        operation = result.ok()
        if operation.path.startswith(("/api/v1/security", "/api/v1/openapi")):
            continue
        declared.clear()
        if not operation.path.startswith("/api/v1/menu"):  # FAB's own API documents less
            declared.update(str(code) for code in operation.definition.raw.get("responses",
                                                                             {}))

        @given(case=operation.as_strategy())
        @settings(max_examples=EXAMPLES, deadline=None, derandomize=True, database=None,
                  phases=[Phase.explicit, Phase.generate],
                  suppress_health_check=list(HealthCheck))
        def run(case):
            nonlocal tried
            for user, headers in tokens.items():
                response = case.call(app=app, headers=headers)
                tried += 1
                content_type = {k.lower(): v for k, v in response.headers.items()}.get(
                    "content-type", "")
                if isinstance(content_type, list):
                    content_type = content_type[0] if content_type else ""
                json_answer = content_type.startswith("application/json")
                if (response.status_code >= 500 or not json_answer
                        or (declared and str(response.status_code) not in declared)):
                    failures.append(f"{user} {case.method} {case.formatted_path} "
                                    f"query={case.query} body={case.body!r:.200} -> "
                                    f"{response.status_code} {response.text[:200]}")

        run()
    print(f"fuzz: {tried} requests, {len(failures)} server errors, non-JSON answers or "
          "undeclared statuses")
    assert tried > 100
    assert failures == [], "\n".join(failures[:30])
