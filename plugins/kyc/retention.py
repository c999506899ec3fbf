"""Retention (P6): personal data is kept only as long as needed.

Two data classes, each with a period set per brand:

- leads that never became customers, ``kyc.retention_lead_days`` (default 730) after
  their last activity (created, last contacted): anonymised;
- customers inactive for ``kyc.retention_customer_years`` (default 5; at least 3, because
  transaction records are kept three years, P6): no order, contact or consent answer
  since, and no open data request: pseudonymised like an erasure (orders and ledgers
  keep their sums).

The daily job ``kyc.retention`` runs both and reports the counts; ``directcrm kyc
retention --brand B [--dry-run]`` shows what is (or would be) anonymised.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import func, select

from core.api import (
    ERASED,
    Ctx,
    Customer,
    Interaction,
    Lead,
    LeadStatus,
    Order,
    erase_customer,
    erase_leads,
    get_setting,
)
from plugins.kyc.common import require_enabled
from plugins.kyc.models import ConsentRecord, DataRequest, RequestStatus


@dataclass(frozen=True, slots=True)
class Expired:
    """What the retention periods have run out on, as of now."""

    lead_ids: tuple[int, ...]
    lead_refs: tuple[str, ...]
    customer_ids: tuple[int, ...]
    customer_refs: tuple[str, ...]


def _years_before(moment: dt.datetime, years: int) -> dt.datetime:
    try:
        return moment.replace(year=moment.year - years)
    except ValueError:  # 29 February
        return moment.replace(year=moment.year - years, day=28)


def expired(ctx: Ctx) -> Expired:
    """Leads and customers whose retention period is over."""
    require_enabled(ctx)
    now, b = ctx.now(), ctx.brand_id
    lead_cutoff = now - dt.timedelta(days=int(get_setting(ctx, "kyc.retention_lead_days")))
    last_lead = func.coalesce(Lead.last_contacted_at, Lead.created_at)
    leads = ctx.session.execute(
        select(Lead.id, Lead.lead_ref)
        .where(Lead.brand_id == b, Lead.customer_id.is_(None),
               Lead.status != LeadStatus.CONVERTED.value, Lead.name != ERASED,
               last_lead < lead_cutoff, Lead.created_at < lead_cutoff)
        .order_by(Lead.id)).all()
    cutoff = _years_before(now, int(get_setting(ctx, "kyc.retention_customer_years")))
    recent_order = select(Order.id).where(Order.brand_id == b,
                                          Order.customer_id == Customer.id,
                                          Order.ordered_at >= cutoff).exists()
    recent_contact = select(Interaction.id).where(
        Interaction.brand_id == b, Interaction.customer_id == Customer.id,
        Interaction.occurred_at >= cutoff).exists()
    recent_answer = select(ConsentRecord.id).where(
        ConsentRecord.brand_id == b, ConsentRecord.customer_id == Customer.id,
        ConsentRecord.at >= cutoff).exists()
    open_request = select(DataRequest.id).where(
        DataRequest.brand_id == b, DataRequest.customer_id == Customer.id,
        DataRequest.status == RequestStatus.OPEN.value).exists()
    customers = ctx.session.execute(
        select(Customer.id, Customer.customer_ref)
        .where(Customer.brand_id == b, Customer.merged_into_id.is_(None),
               Customer.name != ERASED, Customer.created_at < cutoff,
               ~recent_order, ~recent_contact, ~recent_answer, ~open_request)
        .order_by(Customer.id)).all()
    return Expired(tuple(i for i, _r in leads), tuple(r for _i, r in leads),
                   tuple(i for i, _r in customers), tuple(r for _i, r in customers))


@dataclass(frozen=True, slots=True)
class RetentionRun:
    """What a retention run anonymised."""

    leads: int
    customers: int
    lead_refs: tuple[str, ...]
    customer_refs: tuple[str, ...]


def apply_retention(ctx: Ctx, *, dry_run: bool = False) -> RetentionRun:
    """Anonymise every expired lead and customer (one audited transaction per customer);
    with ``dry_run`` only report them."""
    found = expired(ctx)
    if dry_run:
        return RetentionRun(len(found.lead_ids), len(found.customer_ids), found.lead_refs,
                            found.customer_refs)
    leads = erase_leads(ctx, list(found.lead_ids))
    for customer_id in found.customer_ids:
        erase_customer(ctx, customer_id)
    return RetentionRun(leads, len(found.customer_ids), found.lead_refs, found.customer_refs)
