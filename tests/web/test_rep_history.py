"""Rep status history: shown on the rep page, in the API and the CLI; a transition dated
before the previous one is refused; a rep reads only their own profile ("one contract"
defect 6, hardening 9)."""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Callable

import pytest
from flask import Flask
from flask.testing import FlaskClient

from core.context import Ctx
from core.errors import ValidationFailed
from core.services.reps import change_rep_status, rep_status_history
from tests.core.tasks_helpers import run_cli_fixture  # noqa: F401  (fixture)
from tests.web.seed import Seeded

Headers = Callable[[str], dict[str, str]]
Login = Callable[[str], FlaskClient]


def test_backdated_transitions_are_refused(ctx_a: Ctx, seeded: Seeded) -> None:
    change_rep_status(ctx_a, "R2", "suspended", effective_on=dt.date(2026, 2, 10),
                      reason="investigation")
    with pytest.raises(ValidationFailed) as refused:
        change_rep_status(ctx_a, "R2", "active", effective_on=dt.date(2026, 2, 9))
    assert refused.value.errors == {"effective_on": [
        "Must not be before the rep's last status change, on 2026-02-10."]}
    change_rep_status(ctx_a, "R2", "active", effective_on=dt.date(2026, 2, 10))
    assert [(h.old_status and h.old_status.value, h.new_status.value, h.effective_on)
            for h in rep_status_history(ctx_a, "R2")][-2:] == [
        ("active", "suspended", dt.date(2026, 2, 10)),
        ("suspended", "active", dt.date(2026, 2, 10))]


def test_history_in_the_api_page_and_cli(app: Flask, token: Headers, login: Login,
                                         ctx_a: Ctx, seeded: Seeded, run_cli) -> None:  # noqa: F811
    change_rep_status(ctx_a, "R2", "suspended", effective_on=dt.date(2026, 2, 10),
                      reason="调查中")
    r = app.test_client().get("/api/v1/reps/R2/history", headers=token("boss_a"))
    assert r.status_code == 200, r.json
    last = r.json["result"][-1]
    assert (last["old_status"], last["new_status"], last["effective_on"], last["reason"]) \
        == ("active", "suspended", "2026-02-10", "调查中")
    page = login("boss_a").get(f"/reps/show/{seeded.reps['R2']}").get_data(as_text=True)
    assert 'id="status-history"' in page and "调查中" in page
    out = run_cli("reps", "history", "--brand", "A", "R2")
    rows = list(csv.DictReader(io.StringIO(out.output)))
    # the table shows the statuses by their labels (English: the CLI's default language)
    assert (rows[-1]["old_status"], rows[-1]["new_status"], rows[-1]["reason"]) \
        == ("Active", "Suspended", "调查中")


def test_a_rep_reads_only_their_own_profile(app: Flask, token: Headers) -> None:
    client, rep1 = app.test_client(), token("rep1")
    assert client.get("/api/v1/reps/R1", headers=rep1).status_code == 200
    assert client.get("/api/v1/reps/R2", headers=rep1).status_code == 404
    assert client.get("/api/v1/reps/R2/history", headers=rep1).status_code == 404
    listed = client.get("/api/v1/reps/", headers=rep1).json
    assert [r["rep_ref"] for r in listed["result"]] == ["R1"]


def test_certificate_and_membership_dates_must_be_in_order(ctx_a: Ctx, seeded: Seeded) -> None:
    from core.services.reps import create_rep, update_rep

    with pytest.raises(ValidationFailed) as refused:
        create_rep(ctx_a, {"rep_ref": "R9", "name": "赵六", "certificate_no": "C-9",
                           "certificate_valid_from": "2026-06-01",
                           "certificate_valid_until": "2026-05-31"})
    assert refused.value.errors == {"certificate_valid_until": [
        "Must not be before certificate_valid_from (2026-06-01)."]}
    update_rep(ctx_a, "R1", {"certificate_valid_from": "2026-01-01",
                             "certificate_valid_until": "2027-12-31"})
    with pytest.raises(ValidationFailed) as refused:  # one side changed alone
        update_rep(ctx_a, "R1", {"certificate_valid_until": "2025-12-31"})
    assert list(refused.value.errors) == ["certificate_valid_until"]
