"""The compliance page: statuses for the brand, and the download button's PDF."""

from __future__ import annotations

import subprocess

import pytest

from core.jobqueue.runner import QueueRunner
from core.services.modules import enable_modules
from tests.web.conftest import app, login, seeded  # noqa: F401  (web fixtures)

pytestmark = pytest.mark.usefixtures("app")


def test_compliance_page_and_pdf_download(login, ctx_a, rt, tmp_path,  # noqa: F811
                                          monkeypatch):
    monkeypatch.setenv("DIRECTCRM_FILES_DIR", str(tmp_path / "files"))
    enable_modules(ctx_a, ["compliance"])
    client = login("audit_a")  # compliance officer of brand A
    html = client.get("/compliance/?period=2026-02").get_data(as_text=True)
    assert "DS3" in html and "PY1" in html and "Report register" in html
    # The request queues the report and answers at once with the job's page.
    r = client.get("/compliance/download?period=2026-02")
    assert r.status_code == 302 and "/jobs/" in r.headers["Location"]
    job_url = r.headers["Location"]
    page = client.get(job_url).get_data(as_text=True)
    assert "Queued" in page and '<meta http-equiv="refresh"' in page
    assert "<progress" in page and "job-download" not in page
    # A worker renders it; the page then offers the download, and stops refreshing.
    assert len(QueueRunner(rt.engine, rt.registry).run_pending()) == 1
    page = client.get(job_url).get_data(as_text=True)
    assert "Done" in page and "job-download" in page and "http-equiv" not in page
    r = client.get(job_url.rstrip("/") + "/download")
    assert r.status_code == 200 and r.mimetype == "application/pdf"
    assert "compliance-A-2026-02.pdf" in r.headers["Content-Disposition"]
    pdf = tmp_path / "d.pdf"
    pdf.write_bytes(r.data)
    text = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True,
                          check=True).stdout
    assert "Compliance report" in text  # the officer's language is English
    html = client.get("/compliance/?period=2026-02").get_data(as_text=True)
    assert "compliance" in html and "2026-02" in html  # the download is in the register
    # The filing pack the same way; a bad period is refused at once, naming the field.
    r = client.get("/compliance/download?period=2026-02&kind=filing")
    assert r.status_code == 302
    QueueRunner(rt.engine, rt.registry).run_pending()
    r = client.get(r.headers["Location"].rstrip("/") + "/download")
    assert "filing-A-2026-02.pdf" in r.headers["Content-Disposition"]
    r = client.get("/compliance/download?period=2026-13", follow_redirects=True)
    assert "Use a month as YYYY-MM, e.g. 2026-02." in r.get_data(as_text=True)
    jobs_page = client.get("/jobs/list/").get_data(as_text=True)
    assert jobs_page.count("Download") >= 2


def test_page_is_404_where_the_module_is_off(login):  # noqa: F811
    assert login("audit_a").get("/compliance/").status_code == 404


def test_reps_cannot_open_the_compliance_page(login, ctx_a):  # noqa: F811
    enable_modules(ctx_a, ["compliance"])
    client = login("rep1")  # the filing pack lists every rep's income: not for reps
    for url in ("/compliance/", "/compliance/download?period=2026-02&kind=filing"):
        r = client.get(url)
        assert r.status_code in (302, 403, 404), (url, r.status_code)
        assert r.mimetype != "application/pdf"
