"""Behind a reverse proxy (DIRECTCRM_PROXY_COUNT), the per-address login limit counts the
client's address from X-Forwarded-For; without it the header is ignored (#17)."""

from __future__ import annotations

import pytest

from core.runtime import Runtime
from tests.conftest import FixedClock
from tests.web.conftest import build_app


def _codes(app, forwarded_for: str, n: int) -> list[int]:  # noqa: ANN001
    client = app.test_client()
    return [client.post("/api/v1/security/login",
                        json={"username": f"guess{i}", "password": "wrong", "provider": "db"},
                        headers={"X-Forwarded-For": forwarded_for},
                        environ_base={"REMOTE_ADDR": "10.0.0.1"}).status_code
            for i in range(n)]


def test_behind_one_proxy_each_client_has_its_own_limit(rt: Runtime, clock: FixedClock,
                                                         brands: tuple[str, str]) -> None:
    app = build_app(rt, clock, WTF_CSRF_ENABLED=False, DIRECTCRM_PROXY_COUNT=1)
    assert _codes(app, "203.0.113.7", 11) == [401] * 10 + [429]
    # Another client behind the same proxy is not blocked by the first one's failures.
    assert _codes(app, "198.51.100.9", 1) == [401]


def test_without_a_proxy_the_header_is_not_believed(rt: Runtime, clock: FixedClock,
                                                    brands: tuple[str, str]) -> None:
    app = build_app(rt, clock, WTF_CSRF_ENABLED=False)
    # Forging a new X-Forwarded-For for each try does not escape the limit.
    client = app.test_client()
    codes = [client.post("/api/v1/security/login",
                         json={"username": f"guess{i}", "password": "wrong", "provider": "db"},
                         headers={"X-Forwarded-For": f"192.0.2.{i}"},
                         environ_base={"REMOTE_ADDR": "10.0.0.1"}).status_code
             for i in range(11)]
    assert codes == [401] * 10 + [429]


def test_a_bad_proxy_count_is_refused(rt: Runtime, clock: FixedClock,
                                      brands: tuple[str, str]) -> None:
    with pytest.raises(ValueError, match="DIRECTCRM_PROXY_COUNT"):
        build_app(rt, clock, DIRECTCRM_PROXY_COUNT="one")
