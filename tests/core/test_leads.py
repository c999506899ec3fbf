"""Leads: cleaning, assignment strategies, contacts, conversion, the pool, the funnel.

Clock: 2026-03-02 02:00 UTC (10:00 in Shanghai) unless a test moves it.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from sqlalchemy import select

from core.errors import DomainError, ValidationFailed
from core.leads.assignment import move_lead
from core.leads.funnel import FunnelRow, funnel
from core.leads.models import Lead, LeadAssignment, LeadChannel, LeadStatus
from core.leads.pool import RecycleResult, recycle, recycle_leads
from core.leads.services import (
    create_customer_from_lead,
    create_lead,
    get_lead,
    import_leads,
    log_contact,
    mark_lost,
)
from core.models import Rep
from core.services.products import create_product
from core.services.reps import change_rep_status
from core.services.settings import set_settings
from tests.core.tasks_helpers import customer, order, rep, run_cli_fixture, utc  # noqa: F401


def owners(ctx):
    ctx.session.rollback()
    return dict(ctx.session.execute(select(Lead.lead_ref, Rep.rep_ref)
                                    .outerjoin(Rep, Rep.id == Lead.rep_id)
                                    .where(Lead.brand_id == ctx.brand_id)).all())


def history(ctx, lead_ref):
    lead = get_lead(ctx, lead_ref)
    rows = ctx.session.execute(
        select(LeadAssignment.from_rep_id, LeadAssignment.to_rep_id, LeadAssignment.strategy,
               LeadAssignment.reason).where(LeadAssignment.lead_id == lead.id)
        .order_by(LeadAssignment.id)).all()
    refs = dict(ctx.session.execute(select(Rep.id, Rep.rep_ref)).all())
    return [(refs.get(f), refs.get(t), s, r) for f, t, s, r in rows]


def product(ctx):
    create_product(ctx, {"sku": "P1", "name": "Cream", "category": "cosmetics",
                         "list_price": "100.00"})


def test_purchased_list_is_cleaned_before_it_counts(ctx_a):
    rep(ctx_a, "R1")
    customer(ctx_a, "C1", "R1", phone="13800000001")
    create_lead(ctx_a, {"lead_ref": "E1", "name": "E", "channel": "ads",
                        "phone": "13900000002"}, assign=False)
    rows = [
        {"lead_ref": "P1", "name": "a", "phone": "+86 138-0000-0001"},  # a customer's phone
        {"lead_ref": "P2", "name": "b", "phone": "139 0000 0002"},  # lead E1's phone
        {"lead_ref": "P3", "name": "c", "phone": "13700000003", "province": "浙江"},
        {"lead_ref": "P4", "name": "d", "phone": "137-0000-0003"},  # repeats row 3
        {"lead_ref": "P5", "name": "e"},  # no phone
        {"lead_ref": "P6", "name": "f", "phone": "12ab45678"},  # not a number
        {"lead_ref": "P7", "name": "g", "phone": "13600000007", "score": "150"},
        {"lead_ref": "P3", "name": "h", "phone": "13600000008"},  # ref of row 3
    ]
    report = import_leads(ctx_a, rows, channel="purchased_list", assign=False)
    assert report.created == ["P3"]
    assert [(n, f) for n, f, _m in report.skipped] == [
        (5, "phone"), (6, "phone"), (7, "score"), (1, "phone"), (2, "phone"), (4, "phone"),
        (8, "lead_ref")]
    reasons = {n: m for n, _f, m in report.skipped}
    assert reasons[1] == "Already a customer." and reasons[2] == "Already a lead."
    lead = get_lead(ctx_a, "P3")
    assert (lead.channel, lead.status, lead.phone) == (LeadChannel.PURCHASED_LIST,
                                                       LeadStatus.POOL, "13700000003")
    with pytest.raises(ValidationFailed) as exc:
        create_lead(ctx_a, {"lead_ref": "X", "name": "x", "channel": "tv"})
    assert set(exc.value.errors) == {"channel"}


@pytest.fixture()
def strategy_reps(ctx_a):
    """RA (Guangdong), RB (Zhejiang), RC (territory Beijing, capacity 0), RD suspended.
    Past ads leads: RA converted 1 of 4 (25%), RB 2 of 2 (100%), RC 0 of 1 (0%)."""
    reps = {r: rep(ctx_a, r, **kw).id for r, kw in (
        ("RA", {"province": "广东", "territory": "广东", "capacity": 10}),
        ("RB", {"province": "浙江", "capacity": 10}),
        ("RC", {"territory": "北京", "capacity": 0}),
        ("RD", {"province": "浙江", "capacity": 10}))}
    change_rep_status(ctx_a, "RD", "suspended")
    with ctx_a.write() as session:
        n = 0
        for r, won, lost in (("RA", 1, 3), ("RB", 2, 0), ("RC", 0, 1)):
            for status in [LeadStatus.CONVERTED] * won + [LeadStatus.LOST] * lost:
                n += 1
                session.add(Lead(brand_id=ctx_a.brand_id, lead_ref=f"H{n}", name="h",
                                 channel=LeadChannel.ADS, score=50, status=status,
                                 rep_id=reps[r], created_at=ctx_a.now(),
                                 updated_at=ctx_a.now()))
    customer(ctx_a, "CX", "RC")
    return reps


def test_assignment_strategies_in_order(ctx_a, strategy_reps):
    def add(ref, channel, score=10, **kw):
        return create_lead(ctx_a, {"lead_ref": ref, "name": ref, "channel": channel,
                                   "score": score, **kw})

    add("N1", "referral", referrer_customer_ref="CX")  # CX's rep is RC -> referral
    add("N2", "ads", 90)  # top ads rates RB 100%, RA 25%, RC 0%; loads RA 0 RB 0 RC 1
    #                       -> tie RA/RB at 0, higher rate wins -> RB
    add("N3", "ads", 90)  # loads RA 0, RB 1, RC 1 -> RA
    add("N4", "social", 90, province="浙江")  # no social rates -> territory: RB (RD suspended)
    add("N5", "event", province="北京")  # territory RC
    add("N6", "event")  # round robin among spare capacity (RC has none): RA 1, RB 2 -> RA
    add("N7", "event")  # RA 2, RB 2 -> RA (lower ref)
    add("N8", "event")  # RA 3, RB 2 -> RB
    got = {k: v for k, v in owners(ctx_a).items() if k.startswith("N")}
    assert got == {"N1": "RC", "N2": "RB", "N3": "RA", "N4": "RB", "N5": "RC", "N6": "RA",
                   "N7": "RA", "N8": "RB"}
    assert history(ctx_a, "N1") == [(None, "RC", "referral", None)]
    assert history(ctx_a, "N2") == [(None, "RB", "score", None)]
    assert history(ctx_a, "N4") == [(None, "RB", "territory", None)]
    assert history(ctx_a, "N6") == [(None, "RA", "round_robin", None)]
    assert get_lead(ctx_a, "N6").assigned_at == utc(2026, 3, 2, 2)


def test_strategy_order_is_a_brand_setting(ctx_a, strategy_reps):
    set_settings(ctx_a, {"leads.strategies": ["territory", "round_robin"]})
    create_lead(ctx_a, {"lead_ref": "N1", "name": "n", "channel": "referral",
                        "referrer_customer_ref": "CX", "province": "广东"})
    assert owners(ctx_a)["N1"] == "RA"  # territory first, referral not used
    set_settings(ctx_a, {"leads.strategies": ["referral"]})
    create_lead(ctx_a, {"lead_ref": "N2", "name": "n", "channel": "ads"})
    lead = get_lead(ctx_a, "N2")  # no referrer: nobody -> the pool
    assert (lead.status, lead.rep_id) == (LeadStatus.POOL, None)


def test_manual_moves_contacts_and_loss(ctx_a, strategy_reps):
    create_lead(ctx_a, {"lead_ref": "N1", "name": "n", "channel": "event", "province": "北京"})
    move_lead(ctx_a, "N1", "RA", reason="knows the family")
    log_contact(ctx_a, "N1", {"kind": "visit", "summary": "first visit"})
    lead = get_lead(ctx_a, "N1")
    assert (lead.status, lead.contacts_count, lead.first_contacted_at) == (
        LeadStatus.CONTACTED, 1, utc(2026, 3, 2, 2))
    move_lead(ctx_a, "N1", None)
    with pytest.raises(DomainError):
        log_contact(ctx_a, "N1")  # in the pool: nobody owns it
    with pytest.raises(DomainError) as exc:
        move_lead(ctx_a, "N1", "RD")
    assert exc.value.code == "inactive_rep"
    move_lead(ctx_a, "N1", "RB")
    assert get_lead(ctx_a, "N1").status == LeadStatus.CONTACTED  # it has a contact already
    assert history(ctx_a, "N1") == [(None, "RC", "territory", None),
                                    ("RC", "RA", "manual", "knows the family"),
                                    ("RA", None, "manual", None),
                                    (None, "RB", "manual", None)]
    mark_lost(ctx_a, "N1", "not interested")
    assert get_lead(ctx_a, "N1").status == LeadStatus.LOST


def test_conversion_on_the_first_paid_order(ctx_a, clock):
    rep(ctx_a, "R1")
    product(ctx_a)
    customer(ctx_a, "OLD", "R1", phone="13500000005")
    order(ctx_a, "O0", "OLD", "2026-02-01T10:00:00", [("P1", 1, "100.00")])
    create_lead(ctx_a, {"lead_ref": "L1", "name": "a", "channel": "event"})
    create_lead(ctx_a, {"lead_ref": "L2", "name": "b", "channel": "ads",
                        "phone": "13700000002"})
    # L1 becomes a customer through the lead; buying later converts it
    c1 = create_customer_from_lead(ctx_a, "L1", "C1")
    assert c1.rep.rep_ref == "R1" and c1.source_channel == "event"
    order(ctx_a, "O1", "C1", "2026-03-02T10:30:00", [("P1", 1, "100.00")], status="pending")
    assert get_lead(ctx_a, "L1").status == LeadStatus.NEW  # not paid yet
    from core.services.orders import pay_order
    pay_order(ctx_a, "O1", paid_at=utc(2026, 3, 2, 3))
    lead = get_lead(ctx_a, "L1")
    ctx_a.session.refresh(lead)
    assert (lead.status, lead.converted_at, lead.customer_id) == (
        LeadStatus.CONVERTED, utc(2026, 3, 2, 3), c1.id)
    # L2: the rep created the customer directly; the phone links them when they pay
    clock.advance(hours=2)
    customer(ctx_a, "C2", "R1", phone="137-0000-0002")
    order(ctx_a, "O2", "C2", "2026-03-02T12:00:00", [("P1", 1, "100.00")])
    lead = get_lead(ctx_a, "L2")
    ctx_a.session.refresh(lead)
    assert lead.status == LeadStatus.CONVERTED
    assert lead.converted_at == utc(2026, 3, 2, 4)  # paid at 12:00 local = 04:00 UTC


def test_pool_recycling(ctx_a, clock):
    rep(ctx_a, "R1")
    rep(ctx_a, "R2")
    product(ctx_a)
    set_settings(ctx_a, {"leads.strategies": ["round_robin"]})
    for ref in ("A", "B", "C", "D"):
        create_lead(ctx_a, {"lead_ref": ref, "name": ref, "channel": "event"})
    # round robin: A -> R1, B -> R2, C -> R1, D -> R2
    assert owners(ctx_a) == {"A": "R1", "B": "R2", "C": "R1", "D": "R2"}
    clock.advance(days=1)
    log_contact(ctx_a, "B")
    create_customer_from_lead(ctx_a, "D", "CD")
    order(ctx_a, "OD", "CD", "2026-03-03T11:00:00", [("P1", 1, "100.00")])  # D converts
    # 3 days and 1 hour after assignment: A and C (never contacted) drop; B was contacted;
    # D converted. Pooled leads never go back to the rep they left: A, C -> R2.
    clock.value = utc(2026, 3, 5, 3)
    assert recycle(ctx_a) == RecycleResult(not_contacted=2, not_converted=0, reassigned=2,
                                           still_in_pool=0)
    assert owners(ctx_a) == {"A": "R2", "B": "R2", "C": "R2", "D": "R2"}
    assert get_lead(ctx_a, "A").assigned_at == utc(2026, 3, 5, 3)
    assert recycle_leads(ctx_a) == 0  # running the tick again moves nothing
    # 2 April 03:00 UTC: B (assigned 2 March 02:00) was not converted within 30 days;
    # A and C (reassigned 5 March) were not contacted since: all three leave R2 for R1.
    clock.value = utc(2026, 4, 2, 3)
    assert recycle(ctx_a) == RecycleResult(not_contacted=2, not_converted=1, reassigned=3,
                                           still_in_pool=0)
    assert owners(ctx_a) == {"A": "R1", "B": "R1", "C": "R1", "D": "R2"}
    assert get_lead(ctx_a, "B").status == LeadStatus.CONTACTED
    assert history(ctx_a, "A") == [
        (None, "R1", "round_robin", None), ("R1", None, "pool", "not_contacted"),
        (None, "R2", "round_robin", None), ("R2", None, "pool", "not_contacted"),
        (None, "R1", "round_robin", None)]


def test_pool_keeps_a_lead_nobody_else_can_take(ctx_a, clock):
    rep(ctx_a, "R1")
    create_lead(ctx_a, {"lead_ref": "A", "name": "a", "channel": "event"})
    clock.advance(days=4)
    assert recycle(ctx_a) == RecycleResult(1, 0, 0, 1)
    lead = get_lead(ctx_a, "A")
    assert (lead.status, lead.rep_id, lead.pooled_at) == (LeadStatus.POOL, None,
                                                          utc(2026, 3, 6, 2))
    rep(ctx_a, "R2")  # a new rep joins: the next sweep places the pooled lead
    assert recycle(ctx_a) == RecycleResult(0, 0, 1, 0)
    assert owners(ctx_a) == {"A": "R2"}


@pytest.fixture()
def funnel_data(ctx_a):
    rep(ctx_a, "R1")
    rep(ctx_a, "R2")
    product(ctx_a)
    set_settings(ctx_a, {"leads.strategies": ["round_robin"]})
    for ref, ch in (("A1", "ads"), ("A2", "ads"), ("A3", "ads"), ("E1", "event")):
        create_lead(ctx_a, {"lead_ref": ref, "name": ref, "channel": ch})
    # owners: A1 R1, A2 R2, A3 R1, E1 R2
    log_contact(ctx_a, "A1")
    log_contact(ctx_a, "A2")
    create_customer_from_lead(ctx_a, "A2", "CA2")
    order(ctx_a, "O1", "CA2", "2026-03-02T11:00:00", [("P1", 1, "100.00")])
    order(ctx_a, "O2", "CA2", "2026-03-02T12:00:00", [("P1", 1, "100.00")])
    create_customer_from_lead(ctx_a, "E1", "CE1")
    order(ctx_a, "O3", "CE1", "2026-03-02T11:00:00", [("P1", 1, "100.00")])


def test_funnel_by_channel_and_rep(ctx_a, funnel_data):
    # ads: 3 leads; contacted A1, A2; A2 converted with 2 paid orders (repeat); 1/3 = 33.3%
    # event: E1 converted without a logged contact (counts as contacted), 1 order
    assert funnel(ctx_a, "channel") == [FunnelRow("ads", 3, 2, 1, 1),
                                        FunnelRow("event", 1, 1, 1, 0)]
    assert funnel(ctx_a, "channel")[0].conversion == Decimal("33.3")
    # R1 holds A1 (contacted), A3; R2 holds A2 (repeat), E1 (converted)
    assert funnel(ctx_a, "rep") == [FunnelRow("R1", 2, 1, 0, 0), FunnelRow("R2", 2, 2, 2, 1)]
    # captured on 2 March local: nothing before, nothing after
    assert funnel(ctx_a, "channel", since=dt.date(2026, 3, 3)) == []
    assert len(funnel(ctx_a, "channel", until=dt.date(2026, 3, 2))) == 2
    with pytest.raises(ValidationFailed):
        funnel(ctx_a, "province")


def test_cli_leads(ctx_a, funnel_data, run_cli, tmp_path):
    result = run_cli("leads", "funnel", "--brand", "A", "--by", "channel")
    assert result.output.splitlines() == [
        "channel,leads,contacted,first_purchase,repeat,conversion_pct",
        "Ads,3,2,1,1,33.3", "Event,1,1,1,0,100.0"]  # channels by their labels
    result = run_cli("--locale", "zh_Hans_CN", "leads", "funnel", "--brand", "A")
    assert result.output.splitlines()[1:] == ["广告,3,2,1,1,33.3", "活动,1,1,1,0,100.0"]
    path = tmp_path / "list.csv"
    path.write_text("lead_ref,name,phone,province\nP1,a,13700000009,浙江\nP2,b,\n",
                    encoding="utf-8")
    result = run_cli("leads", "import", "--brand", "A", "--channel", "purchased_list",
                     str(path))
    assert result.exit_code == 0, result.output
    assert "1 leads created, 1 assigned, 1 rows skipped." in result.output
    assert "Line 3 skipped: phone: A purchased-list lead needs a phone." in result.output
    result = run_cli("leads", "add", "--brand", "A", "N9", "--name", "n", "--channel", "ads")
    assert result.exit_code == 0, result.output
    assert run_cli("leads", "move", "--brand", "A", "N9", "--to", "R1").exit_code == 0
    assert run_cli("leads", "contact", "--brand", "A", "N9").exit_code == 0
    result = run_cli("leads", "recycle", "--brand", "A", "--now", "2026-03-02T12:00:00")
    assert result.exit_code == 0, result.output


def test_lead_score_from_channel_data_and_contacts(ctx_a):
    rep(ctx_a, "R1")
    customer(ctx_a, "CX", "R1")
    create_lead(ctx_a, {"lead_ref": "S1", "name": "a", "channel": "referral",
                        "referrer_customer_ref": "CX", "phone": "13700000001",
                        "province": "浙江"})
    create_lead(ctx_a, {"lead_ref": "S2", "name": "b", "channel": "ads"})
    create_lead(ctx_a, {"lead_ref": "S3", "name": "c", "channel": "ads", "score": 55})
    set_settings(ctx_a, {"leads.channel_scores": {"ads": 25}})
    create_lead(ctx_a, {"lead_ref": "S4", "name": "d", "channel": "ads", "province": "浙江"})
    # referral 40 + phone 30 + province 10 = 80; ads 10; given 55 kept; ads 25 + province 10
    scores = dict(ctx_a.session.execute(select(Lead.lead_ref, Lead.score)).all())
    assert scores == {"S1": 80, "S2": 10, "S3": 55, "S4": 35}
    for _ in range(5):
        log_contact(ctx_a, "S2")
    # 5 points for each of the first 4 contacts: 10 + 20 = 30
    assert get_lead(ctx_a, "S2").score == 30


def test_imported_paid_orders_convert_leads(ctx_a, tmp_path):
    from core.importing.runner import import_csv
    from tests.core.importing_helpers import ORDER_HEADER, write_csv

    rep(ctx_a, "R1")
    product(ctx_a)
    create_lead(ctx_a, {"lead_ref": "L1", "name": "a", "channel": "event",
                        "phone": "13700000001"})
    customer(ctx_a, "C1", "R1", phone="13700000001")
    path = write_csv(tmp_path / "orders.csv", ORDER_HEADER, [
        ("O1", "C1", "R1", "2026-03-02T12:00:00", "P1", 1, "100.00", "paid", "", "")])
    assert import_csv(ctx_a, "orders", path).units["orders"] == 1
    lead = get_lead(ctx_a, "L1")
    ctx_a.session.refresh(lead)
    # linked by phone; converted at the imported payment: 12:00 local = 04:00 UTC
    assert (lead.status, lead.converted_at) == (LeadStatus.CONVERTED, utc(2026, 3, 2, 4))
