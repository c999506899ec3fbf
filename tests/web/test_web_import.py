"""CSV import in the web admin (#17): the upload becomes a background job whose result is
the CLI's on the same file: counts, per-line errors and the rejects file."""

from __future__ import annotations

import io
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select

from core.context import Ctx
from core.jobqueue.runner import QueueRunner
from core.jobqueue.services import get_job
from core.models import Brand, Customer
from core.runtime import Runtime
from core.services.brands import create_brand

CSV = ("customer_ref,name,phone,rep_ref,shoe_size\n"
       "C1,李娜,13800138000,,38\n"
       "C2,,13800138001,,\n"
       "C3,王芳,13800138002,R999,\n"
       "C4,张伟,13800138003,,\n").encode()


@pytest.fixture(autouse=True)
def files_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("DIRECTCRM_FILES_DIR", str(tmp_path / "files"))
    return tmp_path / "files"


@pytest.fixture()
def twins(make_ctx: Callable[..., Ctx], web_app: Any) -> tuple[str, str]:
    """Brands C and D, set up alike (English), one for the CLI, one for the web."""
    ctx = make_ctx()
    for code in ("C", "D"):
        create_brand(ctx, {"code": code, "name": f"Brand {code}", "currency": "CNY",
                           "timezone": "Asia/Shanghai", "jurisdiction": "CN", "locale": "en"})
    return ("C", "D")


def _customers(rt: Runtime, code: str) -> list[str]:
    with rt.engine.connect() as conn:
        return list(conn.scalars(select(Customer.customer_ref).join(
            Brand, Brand.id == Customer.brand_id).where(Brand.code == code)
            .order_by(Customer.customer_ref)))


def _upload(client: Any, skip_invalid: bool) -> str:
    data = {"kind": "customers", "file": (io.BytesIO(CSV), "customers.csv")}
    if skip_invalid:
        data["skip_invalid"] = "1"
    r = client.post("/imports/", data=data, content_type="multipart/form-data")
    assert r.status_code == 302 and "/jobs/" in r.headers["Location"], r.data[:300]
    return r.headers["Location"]


def test_web_import_gives_the_cli_result(rt: Runtime, twins: tuple[str, str],
                                         make_user: Callable[..., int],
                                         login_as: Callable[[str], Any],
                                         run_cli: Callable[..., Any],
                                         make_ctx: Callable[..., Ctx],
                                         tmp_path: Path) -> None:
    source = tmp_path / "customers.csv"
    source.write_bytes(CSV)
    cli_rejects = tmp_path / "cli-rejects.csv"
    out = run_cli("import", "customers", str(source), "--brand", "C", "--skip-invalid",
                  str(cli_rejects), "--json")
    assert out.exit_code == 0, out.output
    cli = json.loads(out.output)
    # Worked out by hand: line 3 has no name, line 4 names a rep the brand does not have.
    assert (cli["rows_read"], cli["imported"], cli["rejected"]) == (4, 2, 2)
    assert [(e["line"], e["column"]) for e in cli["errors"]] == [(3, "name"), (4, "rep_ref")]

    make_user("imp.d", "brand_admin", brand="D")
    client = login_as("imp.d")
    job_url = _upload(client, skip_invalid=True)
    page = client.get(job_url).get_data(as_text=True)
    assert "Queued" in page and "<progress" in page
    assert len(QueueRunner(rt.engine, rt.registry).run_pending()) == 1
    page = client.get(job_url).get_data(as_text=True)
    assert "Done" in page and "Rows read" in page and "shoe_size" in page
    job = get_job(make_ctx("D"), int(job_url.rstrip("/").rsplit("/", 1)[1]))
    summary = job.result_summary or {}
    for key in ("rows_read", "imported", "skipped", "rejected", "ignored_columns",
                "errors"):
        assert summary[key] == cli[key], key
    for e in cli["errors"]:
        assert e["reason"] in page  # each line's error is on the job's page
    # The rejects file to download is the CLI's, byte for byte.
    r = client.get(job_url.rstrip("/") + "/download")
    assert r.status_code == 200 and r.mimetype == "text/csv"
    assert "customers-rejects.csv" in r.headers["Content-Disposition"]
    assert r.data == cli_rejects.read_bytes()
    assert _customers(rt, "C") == _customers(rt, "D") == ["C1", "C4"]
    # The upload was removed once imported (personal data kept no longer than needed).
    assert not list((tmp_path / "files" / "imports").rglob("*.enc"))


def test_web_import_all_or_nothing_lists_every_bad_row(
        rt: Runtime, twins: tuple[str, str], make_user: Callable[..., int],
        login_as: Callable[[str], Any]) -> None:
    make_user("imp.d", "brand_admin", brand="D")
    client = login_as("imp.d")
    job_url = _upload(client, skip_invalid=False)
    QueueRunner(rt.engine, rt.registry).run_pending()
    page = client.get(job_url).get_data(as_text=True)
    assert "Nothing imported: 2 invalid rows." in page and 'id="job-errors"' in page
    assert "job-download" not in page
    assert _customers(rt, "D") == []


def test_upload_form_errors_and_permissions(rt: Runtime, twins: tuple[str, str],
                                            make_user: Callable[..., int],
                                            login_as: Callable[[str], Any]) -> None:
    make_user("imp.d", "brand_admin", brand="D")
    client = login_as("imp.d")
    assert "Upload and import" in client.get("/imports/").get_data(as_text=True)
    r = client.post("/imports/", data={"kind": "customers"},
                    content_type="multipart/form-data")
    assert r.status_code == 200
    assert "File: choose a CSV file to upload." in r.get_data(as_text=True)
    r = client.post("/imports/", data={"kind": "coupons",
                                       "file": (io.BytesIO(CSV), "x.csv")},
                    content_type="multipart/form-data")
    assert "Kind: choose one of the listed kinds." in r.get_data(as_text=True)
    with rt.engine.connect() as conn:
        from core.jobqueue.models import QueuedJob

        assert conn.scalar(select(func.count()).select_from(QueuedJob)) == 0  # nothing queued
    make_user("cs.d", "customer_service", brand="D")
    rep = login_as("cs.d")
    assert rep.get("/imports/").status_code in (302, 403)
    assert rep.post("/imports/", data={"kind": "customers",
                                       "file": (io.BytesIO(CSV), "x.csv")},
                    content_type="multipart/form-data").status_code in (302, 403)
