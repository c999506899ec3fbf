"""Every setting of the core, by area: the one place each is declared.

Areas read their values with ``get_setting(ctx, "area.key")``
(:mod:`core.services.settings`); ``directcrm settings list --brand B`` shows them all with
the brand's values. Modules declare theirs through the ``crm_settings`` hook.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from core.i18n import N_, _
from core.settings import Kind, Setting, declare, declare_area_rule

SEGMENT_SCHEMES = ("abc", "grid", "rfm", "size")
CHURN_RULES = ("no_order", "no_contact", "satisfaction_down", "complaints_rising")
LEAD_STRATEGIES = ("referral", "score", "territory", "round_robin")
PROFILE_FIELDS = ("phone", "birthday", "source_channel", "email", "province")
PAYMENT_METHODS = ("cash", "bank_card", "bank_transfer", "wechat_pay", "alipay",
                   "unspecified")

def _check_number_pattern(value: Any) -> None:
    from core.services.numbering import check_pattern

    check_pattern(str(value))


declare(
    # -- orders -----------------------------------------------------------------------
    Setting("orders", "number_pattern", Kind.TEXT, "SO{yyyy}{mm}-{seq:05}",
            N_("Order number pattern"),
            N_("Numbers given to orders entered without one: {yyyy} {yy} {mm} {dd} (the "
               "order's date) and one {seq} counter, e.g. {seq:05} for five digits; the "
               "counter starts again at 1 when the rest of the number changes."),
            max=64, check=_check_number_pattern),
    Setting("orders", "payment_methods", Kind.TEXT_LIST, list(PAYMENT_METHODS),
            N_("Payment methods"),
            N_("Methods an order can be paid with; enabled modules add theirs (loyalty: "
               "points)."), min=1),
    # -- customers and reps ---------------------------------------------------------
    Setting("customers", "protection_days", Kind.INT, 30, N_("Protection period (days)"),
            N_("A new customer stays with the rep who brought them this long; moving them "
               "earlier needs --force and is recorded."), min=0, max=3650),
    Setting("reps", "certificate_warning_days", Kind.INT, 42,
            N_("Certificate expiry warning (days ahead)"),
            N_("A rep certificate that expires within this many days is listed under "
               "\"Certificates expiring\" and gets a task for the back office."),
            min=1, max=365),
    Setting("reps", "default_capacity", Kind.INT, 200, N_("Default rep capacity"),
            N_("Customers and open leads a rep can hold when the rep has no capacity of "
               "their own."), min=1, max=100_000),
    # -- lifecycle and figures ------------------------------------------------------
    Setting("lifecycle", "silent_days", Kind.INT, 180, N_("Silent after (days)"),
            N_("A buyer with no paid order for this many days counts as silent (沉睡)."),
            min=1, max=3650),
    Setting("figures", "years_retained", Kind.DECIMAL, None,
            N_("Years a customer stays (LTV)"),
            N_("Lifetime value uses this many years; automatic: measured from the "
               "customers' first and last orders."), min=Decimal("0.1"), max=Decimal(100),
            nullable=True),
    # -- tasks ----------------------------------------------------------------------
    Setting("tasks", "profile_hours", Kind.INT, 24, N_("Profile task due after (hours)"),
            N_("A new customer with missing details gets a task due this many hours after "
               "creation."), min=1, max=720),
    Setting("tasks", "profile_fields", Kind.CHOICES, ["phone", "birthday", "source_channel"],
            N_("Profile fields to complete"), N_("A customer missing any of these gets "
                                                 "the profile task."),
            choices=PROFILE_FIELDS, choice_labels="profile_field"),
    Setting("tasks", "profile_lookback_days", Kind.INT, 7,
            N_("Profile task for customers created in the last (days)"), min=1, max=365),
    Setting("tasks", "followup_hours", Kind.INT, 48, N_("Follow-up due after (hours)"),
            N_("A paid order gets a follow-up call due this many hours after payment."),
            min=1, max=720),
    Setting("tasks", "followup_lookback_days", Kind.INT, 7,
            N_("Follow-up for orders paid in the last (days)"), min=1, max=365),
    Setting("tasks", "a_class_tag", Kind.TEXT, "abc:A", N_("Tag of A customers"),
            N_("Customers with this tag get a monthly contact task."), max=64),
    Setting("tasks", "a_monthly_due_day", Kind.INT, None,
            N_("Monthly A-customer contact due on day"),
            N_("Day of the month; automatic: the last day."), min=1, max=28, nullable=True),
    Setting("tasks", "birthday_days_ahead", Kind.INT, 3, N_("Birthday care (days ahead)"),
            min=0, max=60),
    Setting("tasks", "replenish_days_ahead", Kind.INT, 3,
            N_("Replenishment reminder (days ahead)"), min=0, max=60),
    Setting("tasks", "replenish_max_overdue_days", Kind.INT, 30,
            N_("Replenishment reminder up to (days overdue)"), min=0, max=365),
    # -- leads ----------------------------------------------------------------------
    Setting("leads", "strategies", Kind.CHOICES, list(LEAD_STRATEGIES),
            N_("Lead assignment strategies"),
            N_("Tried in this order; the first that finds a rep assigns the lead."),
            choices=LEAD_STRATEGIES, choice_labels="lead_strategy"),
    Setting("leads", "score_threshold", Kind.INT, 80, N_("Score for best-rep assignment"),
            N_("Leads scoring at least this go to the reps who convert their channel "
               "best."), min=0, max=100),
    Setting("leads", "top_reps", Kind.INT, 3, N_("Best reps considered"), min=1, max=100),
    Setting("leads", "channel_scores", Kind.MAPPING, {}, N_("Score per lead channel"),
            N_('Overrides of the built-in channel scores, e.g. {"event": 35}.'),
            min=0, max=100),
    Setting("leads", "contact_within_days", Kind.INT, 3, N_("Contact a lead within (days)"),
            N_("A lead not contacted in time goes back to the pool."), min=1, max=365),
    Setting("leads", "convert_within_days", Kind.INT, 30,
            N_("Convert a lead within (days)"), min=1, max=3650),
    # -- segmentation ---------------------------------------------------------------
    Setting("segmentation", "window_days", Kind.INT, 365, N_("Segmentation window (days)"),
            min=1, max=3650),
    Setting("segmentation", "abc_a_share", Kind.DECIMAL, "80", N_("ABC: A share of revenue (%)"),
            min=Decimal("0.01"), max=Decimal(100)),
    Setting("segmentation", "abc_b_share", Kind.DECIMAL, "95",
            N_("ABC: A and B share of revenue (%)"), min=Decimal("0.01"), max=Decimal(100)),
    Setting("segmentation", "grid_aov", Kind.MONEY, None, N_("Grid: order value threshold"),
            N_("Automatic: the median among buying customers."), nullable=True),
    Setting("segmentation", "grid_frequency", Kind.INT, None, N_("Grid: frequency threshold"),
            N_("Automatic: the median among buying customers."), min=1, max=100_000,
            nullable=True),
    Setting("segmentation", "size_big_aov", Kind.MONEY, "1000.00",
            N_("Size: big customer order value")),
    Setting("segmentation", "size_big_frequency", Kind.INT, 6,
            N_("Size: big customer orders"), min=1, max=100_000),
    Setting("segmentation", "size_medium_aov", Kind.MONEY, "300.00",
            N_("Size: medium customer order value")),
    Setting("segmentation", "size_medium_frequency", Kind.INT, 3,
            N_("Size: medium customer orders"), min=1, max=100_000),
    Setting("segmentation", "nightly_schemes", Kind.CHOICES, list(SEGMENT_SCHEMES),
            N_("Schemes stored every night"), choices=SEGMENT_SCHEMES,
            choice_labels="segment_scheme"),
    # -- churn risk -----------------------------------------------------------------
    Setting("churn_risk", "rules", Kind.CHOICES, list(CHURN_RULES), N_("At-risk rules"),
            choices=CHURN_RULES, choice_labels="risk_rule"),
    Setting("churn_risk", "no_order_days", Kind.INT, 90, N_("At risk: no order for (days)"),
            min=1, max=3650),
    Setting("churn_risk", "no_contact_days", Kind.INT, 30,
            N_("At risk: no contact for (days)"), min=1, max=3650),
    Setting("churn_risk", "satisfaction_period_days", Kind.INT, 90,
            N_("Satisfaction compared over (days)"), min=1, max=3650),
    Setting("churn_risk", "satisfaction_drop_pct", Kind.DECIMAL, "20",
            N_("At risk: satisfaction drop (%)"), min=Decimal("0.01"), max=Decimal(100)),
    Setting("churn_risk", "complaints_period_days", Kind.INT, 90,
            N_("Complaints compared over (days)"), min=1, max=3650),
    Setting("churn_risk", "complaints_rise", Kind.INT, 1,
            N_("At risk: more complaints than before by"), min=1, max=1000),
)


def _abc_shares(values: Mapping[str, Any]) -> dict[str, list[str]]:
    a, b = Decimal(str(values["abc_a_share"])), Decimal(str(values["abc_b_share"]))
    if a > b:
        return {"abc_b_share": [_("Must be at least abc_a_share (%(a)s).", a=a)]}
    return {}


declare_area_rule("segmentation", _abc_shares)
