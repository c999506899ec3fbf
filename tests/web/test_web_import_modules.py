"""Modules' import kinds in the web import (#17): a kind a module declares with
``crm_import_kinds`` is listed for the brands that enabled the module, runs as a background
job and gives the CLI's result on the same file: rows written, per-line errors and the
rejects file. Built-in module (compliance's ``rep_pay``, its own CLI command) and partner
module (``acme_meetings_attendance``, whose ``directcrm import`` command the core makes)."""

from __future__ import annotations

import io
import json
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from core.context import Ctx
from core.jobqueue.runner import QueueRunner
from core.jobqueue.services import get_job
from core.models import Brand, Customer, Rep
from core.runtime import Runtime
from core.services.brands import create_brand
from core.services.modules import disable_modules, enable_modules

PAY = ("rep_ref,period,kind,amount,note\n"
       "R1,2026-03,commission,100.00,first\n"   # line 2: fine
       "R9,2026-03,bonus,5.00,\n"               # line 3: no rep R9 in the brand
       "R2,2026-03,commission,80.50,\n"         # line 4: fine
       "R1,2026-03,commission,7.00,\n"          # line 5: same rep, month and kind as line 2
       "R2,2026-13,bonus,1.00,\n")              # line 6: no 13th month


@pytest.fixture(autouse=True)
def files_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("DIRECTCRM_FILES_DIR", str(tmp_path / "files"))
    return tmp_path / "files"


@pytest.fixture()
def twins(make_ctx: Callable[..., Ctx], web_app: Any, build: Any) -> tuple[Ctx, Ctx]:
    """Brands C and D set up alike (English; reps R1 and R2, customers C1 to C3), one for
    the CLI and one for the web."""
    out = []
    for code in ("C", "D"):
        create_brand(make_ctx(), {"code": code, "name": f"Brand {code}", "currency": "CNY",
                                  "timezone": "Asia/Shanghai", "jurisdiction": "CN",
                                  "locale": "en"})
        ctx = make_ctx(code)
        for ref in ("R1", "R2"):
            build.rep(ctx, ref)
        for ref in ("C1", "C2", "C3"):
            build.customer(ctx, ref)
        out.append(ctx)
    return out[0], out[1]


def _pay(rt: Runtime, code: str) -> list[tuple[str, str, str, Decimal, str | None]]:
    from plugins.compliance.models import ImportedRepPay as P

    with rt.engine.connect() as conn:
        return sorted(conn.execute(
            select(Rep.rep_ref, P.period, P.kind, P.amount, P.source_file)
            .join(Rep, Rep.id == P.rep_id).join(Brand, Brand.id == P.brand_id)
            .where(Brand.code == code)).all())


def _upload(client: Any, kind: str, text: str, name: str, skip_invalid: bool) -> str:
    data: dict[str, Any] = {"kind": kind, "file": (io.BytesIO(text.encode()), name)}
    if skip_invalid:
        data["skip_invalid"] = "1"
    r = client.post("/imports/", data=data, content_type="multipart/form-data")
    assert r.status_code == 302 and "/jobs/" in r.headers["Location"], r.data[:400]
    return r.headers["Location"]


def _job_id(url: str) -> int:
    return int(url.rstrip("/").rsplit("/", 1)[1])


def test_a_module_kind_is_listed_only_where_the_module_is_enabled(
        rt: Runtime, twins: tuple[Ctx, Ctx], make_user: Callable[..., int],
        login_as: Callable[[str], Any]) -> None:
    c, d = twins
    enable_modules(d, ["compliance"])
    make_user("boss.c", "brand_admin", brand="C")
    make_user("boss.d", "brand_admin", brand="D")
    page = login_as("boss.d").get("/imports/").get_data(as_text=True)
    assert '<option value="rep_pay"' in page and ">Rep pay</option>" in page
    assert '<tr data-kind="rep_pay">' in page and "rep_ref, period, kind, amount" in page
    assert '<option value="customers"' in page  # the core's kinds stay
    client_c = login_as("boss.c")
    page = client_c.get("/imports/").get_data(as_text=True)
    assert "rep_pay" not in page and '<option value="customers"' in page
    r = client_c.post("/imports/", data={"kind": "rep_pay",
                                         "file": (io.BytesIO(PAY.encode()), "pay.csv")},
                      content_type="multipart/form-data")
    assert r.status_code == 200
    assert "Kind: choose one of the listed kinds." in r.get_data(as_text=True)


def test_rep_pay_on_the_web_gives_the_cli_result(
        rt: Runtime, twins: tuple[Ctx, Ctx], make_user: Callable[..., int],
        login_as: Callable[[str], Any], run_cli: Callable[..., Any],
        make_ctx: Callable[..., Ctx], tmp_path: Path) -> None:
    c, d = twins
    enable_modules(c, ["compliance"])
    enable_modules(d, ["compliance"])
    source = tmp_path / "pay.csv"
    source.write_text(PAY, encoding="utf-8")
    out = run_cli("import", "rep_pay", str(source), "--brand", "C")
    assert out.exit_code == 1
    cli_lines = [li.strip() for li in out.output.splitlines() if li.strip().startswith("line")]
    assert [li.split(":")[0] + ":" + li.split(":")[1] for li in cli_lines] == [
        "line 6: period", "line 3: rep_ref", "line 5: kind"]  # schema errors come first
    assert _pay(rt, "C") == []

    make_user("boss.d", "brand_admin", brand="D")
    client = login_as("boss.d")
    runner = QueueRunner(rt.engine, rt.registry)
    url = _upload(client, "rep_pay", PAY, "pay.csv", skip_invalid=False)
    assert runner.run_pending() == [_job_id(url)]
    page = client.get(url).get_data(as_text=True)
    assert "Nothing imported: 3 invalid rows." in page and "Rep pay" in page
    summary = get_job(make_ctx("D"), _job_id(url)).result_summary or {}
    assert (summary["committed"], summary["rows_read"], summary["imported"],
            summary["rejected"], summary["ignored_columns"]) == (False, 5, 0, 3, ["note"])
    web = [f"line {e['line']}: {e['column']}: {e['reason']}" for e in summary["errors"]]
    assert sorted(web) == sorted(cli_lines)  # the same errors, in line order on the web
    assert [e["line"] for e in summary["errors"]] == [3, 5, 6]
    assert "No rep with reference R9." in page and "Same rep, period and kind as line 2." in page
    assert _pay(rt, "D") == []

    # With the rejects file: lines 2 and 4 go in, 3, 5 and 6 come back with their reasons.
    url = _upload(client, "rep_pay", PAY, "pay.csv", skip_invalid=True)
    assert runner.run_pending() == [_job_id(url)]
    summary = get_job(make_ctx("D"), _job_id(url)).result_summary or {}
    assert (summary["committed"], summary["imported"], summary["rejected"],
            summary["records"]) == (True, 2, 3, {"inserted": 2, "updated": 0, "unchanged": 0})
    page = client.get(url).get_data(as_text=True)  # the records, as the module names them
    assert "New amounts 2, Amounts replaced 0, Amounts unchanged 0" in page
    r = client.get(url.rstrip("/") + "/download")
    assert r.status_code == 200 and "pay-rejects.csv" in r.headers["Content-Disposition"]
    rejects = r.data.decode().splitlines()
    assert rejects[0] == "rep_ref,period,kind,amount,note,reason"
    assert rejects[1] == "R9,2026-03,bonus,5.00,,rep_ref: No rep with reference R9."
    assert rejects[2] == ("R1,2026-03,commission,7.00,,"
                          "\"kind: Same rep, period and kind as line 2.\"")
    assert rejects[3] == ("R2,2026-13,bonus,1.00,,"
                          "\"period: Use a month as YYYY-MM, e.g. 2026-02.\"")
    assert len(rejects) == 4
    # The CLI on the valid lines writes what the web wrote, under the same file name.
    (tmp_path / "valid").mkdir()
    valid = tmp_path / "valid" / "pay.csv"
    valid.write_text("".join(PAY.splitlines(keepends=True)[i] for i in (0, 1, 3)),
                     encoding="utf-8")
    out = run_cli("import", "rep_pay", str(valid), "--brand", "C")
    assert out.exit_code == 0, out.output
    assert "2 new, 0 updated, 0 unchanged" in out.output
    expected = [("R1", "2026-03", "commission", Decimal("100.00"), "pay.csv"),
                ("R2", "2026-03", "commission", Decimal("80.50"), "pay.csv")]
    assert _pay(rt, "C") == _pay(rt, "D") == expected
    # Again on the web: nothing changes (idempotent on rep, month and kind).
    url = _upload(client, "rep_pay", PAY, "pay.csv", skip_invalid=True)
    runner.run_pending()
    summary = get_job(make_ctx("D"), _job_id(url)).result_summary or {}
    assert summary["records"] == {"inserted": 0, "updated": 0, "unchanged": 2}
    assert _pay(rt, "D") == expected


ATTENDANCE = ("meeting_ref,customer_ref,status\n"
              "M1,C1,attended\n"     # line 2: fine
              "M1,C2,maybe\n"        # line 3: not a status
              "M2,C3,invited\n"      # line 4: no meeting M2
              "M1,C9,absent\n"       # line 5: no customer C9
              "M1,C3,absent\n"       # line 6: fine
              "M1,C1,absent\n")      # line 7: C1 at M1 again (line 2)


def _attendance(rt: Runtime, code: str) -> list[tuple[str, str]]:
    from acme_meetings.models import Attendance

    with rt.engine.connect() as conn:
        return sorted((ref, str(status.value)) for ref, status in conn.execute(
            select(Customer.customer_ref, Attendance.status)
            .join(Customer, Customer.id == Attendance.customer_id)
            .join(Brand, Brand.id == Attendance.brand_id).where(Brand.code == code)))


def test_a_partner_modules_kind_gets_the_cli_command_and_the_web_import(
        rt: Runtime, twins: tuple[Ctx, Ctx], make_user: Callable[..., int],
        login_as: Callable[[str], Any], run_cli: Callable[..., Any],
        make_ctx: Callable[..., Ctx], tmp_path: Path) -> None:
    from acme_meetings import services

    for ctx in twins:
        enable_modules(ctx, ["acme_meetings"])
        ctx.refresh_modules()
        services.create_meeting(ctx, {"meeting_ref": "M1", "title": "Spring skin care",
                                      "held_at": "2026-03-10T14:00:00"})
    source = tmp_path / "attendance.csv"
    source.write_text(ATTENDANCE, encoding="utf-8")
    help_text = " ".join(run_cli("import", "acme_meetings_attendance", "--help").output.split())
    assert "the latest status wins" in help_text
    assert "meeting_ref,customer_ref,status" in help_text  # the columns
    cli_rejects = tmp_path / "cli-rejects.csv"
    out = run_cli("import", "acme_meetings_attendance", str(source), "--brand", "C",
                  "--skip-invalid", str(cli_rejects), "--json")
    assert out.exit_code == 0, out.output
    cli = json.loads(out.output)
    assert (cli["rows_read"], cli["imported"], cli["rejected"], cli["records"]) == (
        6, 2, 4, {"attendance": 2})
    assert [(e["line"], e["column"]) for e in cli["errors"]] == [
        (3, "status"), (4, "meeting_ref"), (5, "customer_ref"), (7, "customer_ref")]

    make_user("boss.d", "brand_admin", brand="D")
    client = login_as("boss.d")
    assert "Meeting attendance" in client.get("/imports/").get_data(as_text=True)
    url = _upload(client, "acme_meetings_attendance", ATTENDANCE, "attendance.csv",
                  skip_invalid=True)
    page = client.get(url).get_data(as_text=True)
    assert "Queued" in page and "<progress" in page and "Meeting attendance" in page
    assert QueueRunner(rt.engine, rt.registry).run_pending() == [_job_id(url)]
    summary = get_job(make_ctx("D"), _job_id(url)).result_summary or {}
    for key in ("rows_read", "imported", "skipped", "rejected", "ignored_columns", "errors",
                "records"):
        assert summary[key] == cli[key], key
    r = client.get(url.rstrip("/") + "/download")
    assert r.data == cli_rejects.read_bytes()  # the rejects file, byte for byte
    assert r.data.decode().splitlines()[2] == "M2,C3,invited,meeting_ref: No meeting M2."
    assert _attendance(rt, "C") == _attendance(rt, "D") == [("C1", "attended"),
                                                            ("C3", "absent")]
    # Brand C without the module: the command refuses, and says why.
    disable_modules(make_ctx("C"), ["acme_meetings"])
    out = run_cli("import", "acme_meetings_attendance", str(source), "--brand", "C")
    assert out.exit_code == 1 and "acme_meetings module is not enabled" in out.output


def test_a_job_whose_module_was_disabled_since_fails_at_once(
        rt: Runtime, twins: tuple[Ctx, Ctx], make_user: Callable[..., int],
        login_as: Callable[[str], Any], make_ctx: Callable[..., Ctx]) -> None:
    _c, d = twins
    enable_modules(d, ["compliance"])
    make_user("boss.d", "brand_admin", brand="D")
    url = _upload(login_as("boss.d"), "rep_pay", PAY, "pay.csv", skip_invalid=False)
    disable_modules(make_ctx("D"), ["compliance"])
    QueueRunner(rt.engine, rt.registry).run_pending()
    job = get_job(make_ctx("D"), _job_id(url))
    assert (job.status, job.attempts) == ("failed", 1)
    assert "Unknown import kind rep_pay" in (job.error or "")
