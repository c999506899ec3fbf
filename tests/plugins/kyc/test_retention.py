"""Retention (P6): exactly the leads and customers past their period are anonymised."""

from __future__ import annotations

from sqlalchemy import select

from core.leads.models import Lead
from core.leads.services import create_customer_from_lead, create_lead, log_contact
from core.models import Customer
from core.scheduler import run_jobs
from core.services.activities import create_interaction
from core.services.customers import create_customer
from core.services.orders import create_order
from core.services.products import create_product
from tests.plugins.kyc.helpers import give, notice, setup_brand, utc


def _names(ctx, model, ref_column):
    ctx.session.rollback()
    return dict(ctx.session.execute(select(ref_column, model.name).where(
        model.brand_id == ctx.brand_id)).all())


def test_retention_anonymises_exactly_the_expired(ctx_a, enable, clock, run_cli):
    setup_brand(ctx_a, enable, customers=())
    notice(ctx_a, "care", "v0", "2018-01-01")
    create_product(ctx_a, {"sku": "P1", "name": "面霜", "category": "cosmetics",
                           "list_price": "100.00"})
    clock.value = utc(2019, 1, 10, 2)          # seven years before "now" below
    for ref in ("OLD_ORDER", "OLD_CONTACT", "OLD_ANSWER", "OLD_IDLE", "OLD_BUYER"):
        create_customer(ctx_a, {"customer_ref": ref, "name": f"顾客{ref}", "rep_ref": "R1"})
    create_order(ctx_a, {"order_ref": "O1", "customer_ref": "OLD_ORDER", "status": "paid",
                         "ordered_at": "2019-01-10T10:00:00",
                         "lines": [{"sku": "P1", "quantity": 1, "unit_price": "100.00"}]})
    for i, ref in enumerate(("L_OLD", "L_CONTACTED", "L_CONVERTED")):
        create_lead(ctx_a, {"lead_ref": ref, "name": f"线索{ref}", "phone": f"1391111222{i}",
                            "channel": "event"})
    create_customer_from_lead(ctx_a, "L_CONVERTED", "FROM_LEAD")
    clock.value = utc(2023, 6, 1, 2)
    create_order(ctx_a, {"order_ref": "O2", "customer_ref": "OLD_BUYER", "status": "paid",
                         "ordered_at": "2023-06-01T10:00:00",
                         "lines": [{"sku": "P1", "quantity": 1, "unit_price": "100.00"}]})
    create_interaction(ctx_a, {"customer_ref": "OLD_CONTACT", "kind": "call",
                               "occurred_at": "2023-06-01T10:00:00", "summary": "回访"})
    clock.value = utc(2025, 1, 5, 2)
    give(ctx_a, "OLD_ANSWER", "care", "sms", notice_version="v0")
    log_contact(ctx_a, "L_CONTACTED", {"summary": "有兴趣"})
    clock.value = utc(2026, 3, 2, 2)           # now: 5 years back is 2021-03-02
    # Expired: customers without order, contact or answer since 2021-03-02 (OLD_ORDER's
    # order is from 2019, OLD_IDLE never did anything); leads untouched for 730 days
    # (L_OLD: created 2019). Kept: OLD_BUYER (2023 order), OLD_CONTACT (2023 call),
    # OLD_ANSWER (2025 consent), L_CONTACTED (2025 contact). L_CONVERTED became
    # FROM_LEAD in 2019, who never bought: the customer expires, and the lead it came from
    # is erased with it.
    r = run_cli("kyc", "retention", "--brand", "A", "--dry-run")
    listed = set(r.output.split())
    assert r.exit_code == 0
    assert {"lead,L_OLD", "customer,OLD_ORDER", "customer,OLD_IDLE",
            "customer,FROM_LEAD"} == {x for x in listed if "," in x}
    assert _names(ctx_a, Customer, Customer.customer_ref)["OLD_IDLE"] == "顾客OLD_IDLE"
    run_jobs(ctx_a)
    customers = _names(ctx_a, Customer, Customer.customer_ref)
    leads = _names(ctx_a, Lead, Lead.lead_ref)
    assert {ref for ref, name in customers.items() if name == "[erased]"} == {
        "OLD_ORDER", "OLD_IDLE", "FROM_LEAD"}
    assert {ref for ref, name in leads.items() if name == "[erased]"} == {"L_OLD",
                                                                        "L_CONVERTED"}
    assert leads["L_CONTACTED"] == "线索L_CONTACTED"
    assert ctx_a.session.scalar(select(Lead.phone).where(Lead.lead_ref == "L_OLD")) is None
    # The compliance report's P6 counts them (the audit log's time is the wall clock, so
    # the period is the current month of the real calendar).
    import datetime as dt

    from plugins.compliance.checks.base import month_period
    from plugins.compliance.services import run_checks

    enable(ctx_a, "compliance")
    today = dt.date.today()
    p6 = next(r for r in run_checks(ctx_a, month_period(ctx_a, today.year, today.month))
              if r.rule_id == "P6")
    figures = dict(p6.figures)
    # Three customers; one lead by the lead rule (L_CONVERTED went with its customer).
    assert list(figures.values())[:3] == [3, 1, 0] and p6.status == "pass"
    # A second run has nothing left to do.
    r = run_cli("kyc", "retention", "--brand", "A", "--dry-run")
    assert not [x for x in r.output.split() if "," in x]
