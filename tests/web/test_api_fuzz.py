"""Property-based fuzzing of the REST API from its own OpenAPI document (schemathesis).

For a brand admin and for a rep, every generated request must get an answer that the
document allows: no server error, a status the operation declares, the declared content
type, and a body that validates against the declared schema (the typed answer, or the
one error body). Flask-AppBuilder's own login and menu endpoints are left out (the login
is rate-limited, which random passwords would trip; the menu is FAB's).

Bounded: a few examples per operation (``DIRECTCRM_FUZZ_EXAMPLES``, default 8), no
shrinking, derandomized, so the run is repeatable and short on both databases.
"""

from __future__ import annotations

import os
from typing import Any

import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from tests.web.conftest import PASSWORD

EXAMPLES = int(os.environ.get("DIRECTCRM_FUZZ_EXAMPLES", "8"))
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance,
          response_schema_conformance]
SKIPPED = ("/api/v1/security", "/api/v1/menu")
MODULES = ("loyalty", "referral", "complaints", "kyc")
# Random refs are almost never found: each operation on a record is also tried on a record
# of the seeded brand (tests/web/seed.py), so that the typed answers are checked too.
REAL_REFS = {"/api/v1/customers/": "C1", "/api/v1/reps/": "R1", "/api/v1/products/": "P1",
             "/api/v1/orders/": "O4", "/api/v1/figures/": "R1", "/api/v1/today/": "R1",
             "/api/v1/risk/": "C1", "/api/v1/kyc/customers/": "C1",
             "/api/v1/loyalty/customers/": "C1", "/api/v1/referral/customers/": "C1"}


def _token(app, username: str) -> str:
    r = app.test_client().post("/api/v1/security/login", json={
        "username": username, "password": PASSWORD, "provider": "db"})
    return r.json["access_token"]


def _real_ref(path: str) -> str | None:
    if "{ref}" not in path:
        return None
    return next((ref for prefix, ref in REAL_REFS.items() if path.startswith(prefix)), None)


class Fuzz:
    """The run's tally: requests sent, operations that answered 2xx, failures."""

    def __init__(self, app: Any, tokens: dict[str, dict[str, str]]) -> None:
        self.app, self.tokens = app, tokens
        self.tried = 0
        self.succeeded: set[str] = set()
        self.failures: list[str] = []

    def operation(self, operation: Any) -> None:
        """Up to EXAMPLES generated requests, each sent as every user (and on a real
        record when the path names one)."""
        real = _real_ref(operation.path)

        @given(case=operation.as_strategy())
        @settings(max_examples=EXAMPLES, deadline=None, derandomize=True, database=None,
                  phases=[Phase.explicit, Phase.generate],
                  suppress_health_check=list(HealthCheck))
        def run(case: Any) -> None:
            calls = [(user, headers, None) for user, headers in self.tokens.items()]
            if real is not None:
                calls += [(user, headers, real) for user, headers in self.tokens.items()]
            for user, headers, ref in calls:
                if ref is not None:
                    case.path_parameters = {**(case.path_parameters or {}), "ref": ref}
                self.check(operation, case, user, headers)

        run()

    def check(self, operation: Any, case: Any, user: str, headers: dict[str, str]) -> None:
        """Send one request and validate the answer against the document."""
        response = case.call(app=self.app, headers=headers)
        self.tried += 1
        if response.status_code < 300:
            self.succeeded.add(f"{case.method} {operation.path}")
        try:
            case.validate_response(response, checks=CHECKS)
        except Exception as exc:  # noqa: BLE001 - schemathesis' failure group
            self.failures.append(f"{user} {case.method} {case.formatted_path} "
                                 f"query={case.query} body={case.body!r:.200} -> "
                                 f"{response.status_code} {response.text[:300]}\n"
                                 f"    {str(exc)[:600]}")


def test_no_generated_request_gets_an_answer_outside_the_document(app, ctx_a, enable):
    enable(ctx_a, *MODULES)
    tokens = {u: {"Authorization": f"Bearer {_token(app, u)}", "Accept-Language": "en"}
              for u in ("boss_a", "rep1")}
    # The document is public: no token is needed to read it.
    schema = schemathesis.openapi.from_wsgi("/api/v1/_openapi", app)
    fuzz = Fuzz(app, tokens)
    operations = 0
    for result in schema.get_all_operations():
        operation = result.ok()
        if operation.path.startswith(SKIPPED):
            continue
        operations += 1
        fuzz.operation(operation)
    print(f"fuzz: {operations} operations ({len(fuzz.succeeded)} answered 2xx), "
          f"{fuzz.tried} requests, {len(fuzz.failures)} answers outside the document")
    assert operations > 40
    assert fuzz.tried > 4 * operations
    # Typed answers were checked, not only errors: most operations answered 2xx at least once.
    assert len(fuzz.succeeded) > operations // 2, sorted(fuzz.succeeded)
    assert fuzz.failures == [], "\n".join(fuzz.failures[:30])
