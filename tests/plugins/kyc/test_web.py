"""The kyc screens and REST API: consents, identities, the request queue, notices,
404 for a brand without the module, and reps limited to their own customers."""

from __future__ import annotations

import io
import json
import zipfile

from core.jobqueue.runner import QueueRunner
from core.services.modules import enable_modules
from plugins.kyc import consent
from tests.web.conftest import app, login, seeded, token  # noqa: F401  (fixtures)


def _enable(ctx):
    enable_modules(ctx, ["kyc"])
    ctx.refresh_modules()
    consent.add_notice(ctx, {"purpose": "marketing", "version": "v1", "locale": "en",
                             "text": "We send offers.", "effective_on": "2026-01-01"})
    consent.add_notice(ctx, {"purpose": "sensitive_data", "version": "v1", "locale": "en",
                             "text": "We keep your ID.", "effective_on": "2026-01-01"})


def test_api_consents_identities_and_requests(app, token, ctx_a):  # noqa: F811
    _enable(ctx_a)
    client, headers = app.test_client(), token("boss_a")
    r = client.post("/api/v1/kyc/customers/C1/consents", headers=headers,
                    json={"purpose": "marketing", "channel": "wechat",
                          "at": "2026-02-01T10:00:00"})
    assert r.status_code == 201, r.json
    again = client.post("/api/v1/kyc/customers/C1/consents", headers=headers,
                        json={"purpose": "marketing", "channel": "wechat",
                              "at": "2026-02-01T10:00:00"})
    assert again.status_code == 200 and again.json["result"]["written"] == 0
    bad = client.post("/api/v1/kyc/customers/C1/consents", headers=headers,
                      json={"purpose": "spam", "channel": "fax"})
    assert bad.status_code == 422 and set(bad.json["errors"]) == {"purpose", "channel"}
    states = client.get("/api/v1/kyc/customers/C1/consents", headers=headers).json["result"]
    assert [(s["purpose"], s["channel"], s["state"]) for s in states] == [
        ("marketing", "wechat", "given")]
    r = client.post("/api/v1/kyc/customers/C1/withdrawals", headers=headers,
                    json={"purpose": "marketing"})
    assert r.status_code == 201 and r.json["result"]["written"] == 5
    no_consent = client.post("/api/v1/kyc/customers/C1/identities", headers=headers,
                             json={"id_type": "passport", "id_number": "E12345678",
                                   "method": "onsite"})
    assert no_consent.status_code == 422 and "P2" in no_consent.json["errors"]["id_number"][0]
    r = client.post("/api/v1/kyc/requests", headers=headers,
                    json={"customer_ref": "C1", "kind": "access"})
    assert r.status_code == 201 and r.json["result"] == {"ref": "DSR-2026-00001",
                                                         "due_on": "2026-03-17"}
    listed = client.get("/api/v1/kyc/requests?open=true", headers=headers).json["result"]
    assert [x["ref"] for x in listed] == ["DSR-2026-00001"]
    assert client.get("/api/v1/kyc/customers/NOPE/consents",
                      headers=headers).status_code == 404
    spec = client.get("/api/v1/_openapi", headers=headers).json
    assert "/api/v1/kyc/customers/{ref}/consents" in spec["paths"]


def test_reps_see_only_their_own_customers(app, token, ctx_a):  # noqa: F811
    _enable(ctx_a)
    client = app.test_client()
    rep1 = token("rep1")  # R1 owns C1 and C2; C3 belongs to R2
    assert client.get("/api/v1/kyc/customers/C1/consents", headers=rep1).status_code == 200
    assert client.get("/api/v1/kyc/customers/C3/consents", headers=rep1).status_code == 404
    client.post("/api/v1/kyc/requests", headers=token("boss_a"),
                json={"customer_ref": "C3", "kind": "access"})
    assert client.get("/api/v1/kyc/requests", headers=rep1).json["result"] == []


def test_a_brand_without_the_module_gets_404(app, token, login, ctx_a, ctx_b):  # noqa: F811
    from core.web.context import SESSION_BRAND

    _enable(ctx_a)
    client = login("admin")
    assert client.get("/kyc/requests/").status_code == 200
    with client.session_transaction() as sess:
        sess[SESSION_BRAND] = ctx_b.brand_id
    assert client.get("/kyc/requests/").status_code == 404
    assert client.get("/kyc/customer/C1").status_code == 404
    assert client.get("/api/v1/kyc/requests").status_code == 404


def test_screens_record_withdraw_and_export(app, login, seeded, ctx_a, rt,  # noqa: F811
                                            tmp_path, monkeypatch):
    monkeypatch.setenv("DIRECTCRM_FILES_DIR", str(tmp_path / "files"))
    _enable(ctx_a)
    client = login("boss_a")
    bad = client.post("/kyc/customer/C1/consent", data={"purpose": "marketing"})
    assert bad.status_code == 422
    ok = client.post("/kyc/customer/C1/consent", data={"purpose": "marketing",
                                                      "channel": "sms"})
    assert ok.status_code == 302
    page = client.get("/kyc/customer/C1").get_data(as_text=True)
    assert "Marketing" in page and "SMS" in page and "Withdraw" in page
    client.post("/kyc/customer/C1/withdraw", data={"purpose": "marketing", "channel": "sms"})
    page = client.get("/kyc/customer/C1").get_data(as_text=True)
    assert "Withdrawn" in page
    show = client.get(f"/customers/show/{seeded.customers['C1']}").get_data(as_text=True)
    assert 'href="/kyc/customer/C1"' in show
    assert client.post("/kyc/requests/new", data={"customer_ref": "C1",
                                                  "kind": "export"}).status_code == 302
    queue = client.get("/kyc/requests/").get_data(as_text=True)
    assert "DSR-2026-00001" in queue and "2026-03-17" in queue
    # The archive is written by a background job: the button answers with its page.
    r = client.post("/kyc/requests/DSR-2026-00001/export")
    assert r.status_code == 302 and "/jobs/" in r.headers["Location"]
    assert "Queued" in client.get(r.headers["Location"]).get_data(as_text=True)
    assert client.post("/kyc/requests/DSR-2099-00001/export").status_code == 404
    assert len(QueueRunner(rt.engine, rt.registry).run_pending()) == 1
    r = client.get(r.headers["Location"].rstrip("/") + "/download")
    assert r.status_code == 200 and r.mimetype == "application/zip"
    assert "DSR-2026-00001.zip" in r.headers["Content-Disposition"]
    data = json.loads(zipfile.ZipFile(io.BytesIO(r.data)).read("data.json"))
    assert data["customer_ref"] == "C1" and len(data["parts"]["consents"]["rows"]) == 2
    assert "DSR-2026-00001" not in client.get("/kyc/requests/").get_data(as_text=True)
    notices = client.get("/kyc/notices/").get_data(as_text=True)
    assert "We send offers." in notices


def test_the_rep_page_shows_identity_and_pay_account(app, login, seeded, ctx_a):  # noqa: F811
    from plugins.kyc import identity
    from plugins.kyc.bank import set_bank_account

    _enable(ctx_a)
    body = "11010519850701123"  # born 1985-07-01; R1 declared nothing
    weights = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
    number = body + "10X98765432"[sum(int(c) * w for c, w in zip(body, weights,
                                                                   strict=True)) % 11]
    identity.verify(ctx_a, {"rep_ref": "R1", "id_type": "cn_resident_id", "id_number": number,
                            "method": "onsite", "legal_name": "王芳"})
    set_bank_account(ctx_a, {"rep_ref": "R1", "holder_name": "王芳",
                             "account_number": "6222021234567890128", "bank_name": "工商银行"})
    html = login("boss_a").get(f"/reps/show/{seeded.reps['R1']}").get_data(as_text=True)
    assert 'id="section-kyc"' in html
    assert number[:3] + "****" + number[-4:] in html and number not in html
    assert "1985-07-01" in html and "工商银行 622****0128" in html


def test_api_archive_erasure_and_close(app, token, ctx_a):  # noqa: F811
    _enable(ctx_a)
    client, headers = app.test_client(), token("boss_a")
    refs = [client.post("/api/v1/kyc/requests", headers=headers,
                        json={"customer_ref": c, "kind": k}).json["result"]["ref"]
            for c, k in (("C1", "export"), ("C2", "delete"), ("C3", "correct"))]
    r = client.post(f"/api/v1/kyc/requests/{refs[0]}/archive", headers=headers)
    assert r.status_code == 200 and r.mimetype == "application/zip"
    assert "profile.csv" in zipfile.ZipFile(io.BytesIO(r.data)).namelist()
    wrong = client.post(f"/api/v1/kyc/requests/{refs[0]}/erasure", headers=headers)
    assert wrong.status_code == 409  # an export request, and done already
    r = client.post(f"/api/v1/kyc/requests/{refs[1]}/erasure", headers=headers)
    assert r.status_code == 200 and r.json["result"]["status"] == "done"
    from sqlalchemy import select

    from core.models import Customer
    ctx_a.session.rollback()
    assert ctx_a.session.scalar(select(Customer.name).where(
        Customer.customer_ref == "C2")) == "[erased]"
    r = client.post(f"/api/v1/kyc/requests/{refs[2]}/close", headers=headers,
                    json={"outcome": "", "refused": True})
    assert r.status_code == 422 and "outcome" in r.json["errors"]
    r = client.post(f"/api/v1/kyc/requests/{refs[2]}/close", headers=headers,
                    json={"outcome": "地址已更正"})
    assert r.status_code == 200 and r.json["result"]["status"] == "done"
    listed = client.get("/api/v1/kyc/requests?open=true", headers=headers).json["result"]
    assert listed == []


def test_revealing_a_number_is_audited_and_needs_write(app, login, ctx_a):  # noqa: F811
    from sqlalchemy import select

    from core.audit.models import AuditEntry
    from plugins.kyc import identity

    _enable(ctx_a)
    consent.give(ctx_a, {"customer_ref": "C1", "purpose": "sensitive_data",
                         "channel": "visit"}, consent.ConsentSource.REP)
    done = identity.verify(ctx_a, {"customer_ref": "C1", "id_type": "passport",
                                   "id_number": "E12345678", "method": "onsite"})
    boss = login("boss_a")
    page = boss.get("/kyc/customer/C1").get_data(as_text=True)
    assert "E12****5678" in page and "E12345678" not in page
    url = f"/kyc/customer/C1/reveal/{done.identity_id}"
    assert login("rep1").post(url).status_code in (302, 403)  # R1's rep may only read
    shown = boss.post(url)
    assert shown.status_code == 200 and "E12345678" in shown.get_data(as_text=True)
    ctx_a.session.rollback()
    entries = ctx_a.session.execute(select(AuditEntry.actor, AuditEntry.record_type).where(
        AuditEntry.action == "reveal")).all()
    assert entries == [("boss_a", "kyc_identities")]
    assert boss.post(f"/kyc/customer/C2/reveal/{done.identity_id}").status_code == 404


def test_assessments_screen(app, login, ctx_a):  # noqa: F811
    _enable(ctx_a)
    boss = login("boss_a")
    bad = boss.post("/kyc/assessments/new", data={"trigger": "sharing", "scope": "x",
                                                  "decision": "y", "assessed_on": "2026-02-01",
                                                  "review_on": "2026-01-01"})
    assert bad.status_code == 422 and 'data-field="review_on"' in bad.get_data(as_text=True)
    ok = boss.post("/kyc/assessments/new", data={
        "trigger": "sharing", "assessed_on": "2025-02-01", "scope": "向物流公司提供收件信息",
        "decision": "签订委托处理协议"})
    assert ok.status_code == 302
    page = boss.get("/kyc/assessments/").get_data(as_text=True)
    # Reviewed a year later, 2026-02-01: overdue on 2 March 2026.
    assert "PIA-0001" in page and "2026-02-01" in page and "Overdue" in page
    assert login("cs_a").get("/kyc/assessments/").status_code == 200  # may read


def test_the_manifest_grants_customer_service_write(app, login, ctx_a):  # noqa: F811
    """kyc's manifest grants customer service and compliance officers write: they record
    consents; a rep (read) and a manager of another brand cannot."""
    _enable(ctx_a)
    r = login("cs_a").post("/kyc/customer/C1/consent", data={"purpose": "marketing",
                                                             "channel": "sms"})
    assert r.status_code == 302
    assert login("audit_a").post("/kyc/requests/new", data={
        "customer_ref": "C1", "kind": "access"}).status_code == 302
    assert login("rep1").post("/kyc/customer/C1/consent", data={
        "purpose": "marketing", "channel": "wechat"}).status_code in (302, 403)
    states = consent.consent_states(ctx_a, _customer_id(ctx_a, "C1"))
    assert [(s.channel, s.live) for s in states] == [("sms", True)]


def _customer_id(ctx, ref):
    from sqlalchemy import select

    from core.models import Customer
    ctx.session.rollback()
    return ctx.session.scalar(select(Customer.id).where(Customer.customer_ref == ref))
