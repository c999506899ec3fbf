"""The public landing page of a referral link, its QR code, and the attribution of the
prospect who later becomes a customer."""

from __future__ import annotations

from sqlalchemy import select

from core.leads.models import Lead
from core.leads.services import create_customer_from_lead
from core.models import Customer, Rep
from core.services.modules import enable_modules
from plugins.referral import services
from plugins.referral.models import Referral
from tests.web.conftest import app, seeded  # noqa: F401  (fixtures)


def _code(ctx):
    enable_modules(ctx, ["referral"])
    ctx.refresh_modules()
    return services.code_for(ctx, "C1")  # C1 (张伟) belongs to rep R1


def test_landing_page_leaves_a_lead_for_the_referrers_rep(app, ctx_a, ctx_b):  # noqa: F811
    code = _code(ctx_a)
    client = app.test_client()
    page = client.get(f"/r/A/{code}")
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and "张*" in html and "张伟" not in html
    assert "invites you" in client.get(f"/r/A/{code}?lang=en").get_data(as_text=True)
    qr = client.get(f"/r/A/{code}/qr.svg")
    assert qr.status_code == 200 and qr.mimetype == "image/svg+xml" and b"<svg" in qr.data
    assert client.get(f"/r/A/{code}/qr.png").data[:8] == b"\x89PNG\r\n\x1a\n"
    assert client.get("/r/A/NOPE99").status_code == 404
    assert client.get(f"/r/B/{code}").status_code == 404  # B has no such module or code
    refused = client.post(f"/r/A/{code}", data={"name": "小周", "phone": "13912340000"})
    assert refused.status_code == 422  # the notice was not agreed to
    ctx_a.session.rollback()
    assert ctx_a.session.scalar(select(Lead.id)) is None
    ok = client.post(f"/r/A/{code}?lang=en", data={"name": "小周", "phone": "13912340000",
                                                   "agree": "1"})
    assert ok.status_code == 200 and "Thank you" in ok.get_data(as_text=True)
    ctx_a.session.rollback()
    lead = ctx_a.session.scalar(select(Lead))
    r1 = ctx_a.session.scalar(select(Rep.id).where(Rep.rep_ref == "R1"))
    c1 = ctx_a.session.scalar(select(Customer.id).where(Customer.customer_ref == "C1"))
    assert (str(lead.channel), lead.referrer_customer_id, lead.rep_id) == ("referral", c1, r1)
    again = client.post(f"/r/A/{code}", data={"name": "小周", "phone": "139-1234-0000",
                                              "agree": "1"})
    assert again.status_code == 200  # known already: thanked, nothing revealed or doubled
    ctx_a.session.rollback()
    assert len(ctx_a.session.scalars(select(Lead)).all()) == 1
    # The prospect becomes a customer: the referral is recorded, dated when they left it.
    create_customer_from_lead(ctx_a, lead.lead_ref, "C9")
    ctx_a.session.rollback()
    referral = ctx_a.session.scalar(select(Referral))
    assert (referral.referrer_id, referral.source, referral.referred_at) == (
        c1, "link", lead.created_at)
