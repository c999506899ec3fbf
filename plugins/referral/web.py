"""The referral screens and REST API: a section on the customer 360° page, the
referrals list with the review queue, and ``/api/v1/referral``. Thin: read the request,
call the services. Resource ``mod_referral``; 404 for brands without the module."""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from flask import current_app, flash, redirect, request, url_for
from flask_appbuilder import AppBuilder, expose, has_access
from flask_appbuilder.api import protect
from markupsafe import Markup
from marshmallow import Schema, fields, validate
from sqlalchemy import select
from sqlalchemy.orm import aliased

from core.api import (
    N_,
    Ctx,
    Customer,
    DomainError,
    ProfileSection,
    ValidationFailed,
    _,
    get_by_ref,
    label,
    load_or_raise,
    row_policy,
)
from core.api.web import (
    CrmApi,
    CrmView,
    api_errors,
    format_money,
    format_number,
    jsonable,
    module_ctx,
    not_found_on_missing,
    openapi,
    out,
    page_url,
)
from plugins.referral import coupons, reports, services
from plugins.referral.models import Referral, ReferralCode, ReferralReward, ReferralStatus

RESOURCE = "mod_referral"


def status_label(code: str) -> str:
    """The translated label of a referral or reward status."""
    return label("referral.status", code)


def referral_rows(ctx: Ctx, status: str | None = None) -> list[dict[str, Any]]:
    """The brand's referrals (a rep: those of their customers), newest first."""
    referrer, referred = aliased(Customer), aliased(Customer)
    stmt = (select(Referral, referrer.customer_ref, referrer.name, referred.customer_ref,
                   referred.name)
            .join(referrer, referrer.id == Referral.referrer_id)
            .join(referred, referred.id == Referral.referred_id)
            .where(Referral.brand_id == ctx.brand_id,
                   referrer.id.in_(select(Customer.id).where(*row_policy(ctx, Customer))))
            .order_by(Referral.referred_at.desc(), Referral.id.desc()).limit(500))
    if status:
        stmt = stmt.where(Referral.status == status)
    return [{"id": r.id, "referrer_ref": a_ref, "referrer": a_name, "referred_ref": b_ref,
             "referred": b_name, "referred_at": r.referred_at, "status": r.status.value,
             "hold_reason": r.hold_reason, "source": r.source,
             "decision_reason": r.decision_reason}
            for r, a_ref, a_name, b_ref, b_name in ctx.session.execute(stmt)]


def profile_section(ctx: Ctx, customer_id: int) -> ProfileSection:
    """The customer's code and link, whom they referred, and their rewards (escaped)."""
    code = ctx.session.scalar(select(ReferralCode.code).where(
        ReferralCode.brand_id == ctx.brand_id, ReferralCode.customer_id == customer_id))
    referred = aliased(Customer)
    rows = ctx.session.execute(
        select(referred.customer_ref, referred.name, Referral.referred_at, Referral.status)
        .join(referred, referred.id == Referral.referred_id)
        .where(Referral.brand_id == ctx.brand_id, Referral.referrer_id == customer_id)
        .order_by(Referral.referred_at.desc())).all()
    rewards = ctx.session.scalars(select(ReferralReward).where(
        ReferralReward.brand_id == ctx.brand_id, ReferralReward.customer_id == customer_id)
        .order_by(ReferralReward.qualified_at.desc(), ReferralReward.id.desc())).all()
    assert ctx.brand is not None
    link = page_url("referral_public.landing", brand_code=ctx.brand.code, code=code) \
        if code else None
    head = (Markup("<p>{} <span class=\"mono\">{}</span>{}</p>").format(
        _("Referral code"), code,
        Markup(" · <a href=\"{}\">{}</a> · <a href=\"{}\">{}</a>").format(
            link, _("Link"), f"{link}/qr.svg", _("QR code")) if link else "")
        if code else Markup("<p class=\"muted\">{}</p>").format(_("No referral code yet.")))
    body = Markup("").join(Markup("<tr><td>{}</td><td>{}</td><td>{}</td></tr>").format(
        f"{name} ({ref})", at.astimezone(ctx.tz).strftime("%Y-%m-%d"),
        status_label(str(status.value if hasattr(status, "value") else status)))
        for ref, name, at, status in rows)
    html = head + Markup(
        "<table class=\"table\"><thead><tr><th>{}</th><th>{}</th><th>{}</th></tr></thead>"
        "<tbody>{}</tbody></table>").format(
        _("Referred"), _("Date"), _("Status"),
        body or Markup("<tr><td colspan=\"3\">{}</td></tr>").format(_("Nobody yet.")))
    if rewards:
        html += _rewards_table(ctx, rewards, customer_id)
    return ProfileSection(key="referral", title=_("Referrals"), html=str(html), order=60)


def _rewards_table(ctx: Ctx, rewards: Sequence[ReferralReward], customer_id: int) -> Markup:
    """A customer's rewards: what for, what, when, its status, and the coupon's state."""
    assert ctx.brand is not None
    by_reward = {c.reward_id: (c, used) for c, used in coupons.customer_coupons(ctx, customer_id)}

    def what(r: ReferralReward) -> str:
        if r.kind == "points":
            return _("%(n)s points", n=format_number(int(r.value), ctx.locale))
        coupon = by_reward.get(r.id)
        if r.kind == "gift":
            return _("Gift: %(sku)s", sku=coupon[0].sku if coupon else "-")
        return format_money(r.value, ctx.brand.currency, ctx.locale)

    def coupon_state(r: ReferralReward) -> Markup:
        if r.id not in by_reward:
            return Markup("")
        c, used = by_reward[r.id]
        state = (_("Used") if used else _("Expired") if c.expires_at <= ctx.now()
                 else _("Valid until %(date)s",
                        date=c.expires_at.astimezone(ctx.tz).strftime("%Y-%m-%d")))
        return Markup("<span class=\"mono\">{}</span><br><span class=\"muted\">{}</span>"
                      ).format(c.code, state)

    rows = Markup("").join(
        Markup("<tr><td>{}<br><strong>{}</strong></td><td>{}<br><span class=\"muted\">{}"
               "</span></td><td>{}</td></tr>").format(
            _("Bringing a customer") if r.side.value == "referrer" else _("Welcome reward"),
            what(r), status_label(r.status.value),
            r.qualified_at.astimezone(ctx.tz).strftime("%Y-%m-%d"), coupon_state(r))
        for r in rewards)
    return Markup(
        "<table class=\"table\"><thead><tr><th>{}</th><th>{}</th><th>{}</th></tr></thead>"
        "<tbody>{}</tbody></table>").format(_("Rewards earned"), _("Status"), _("Coupon"), rows)


def dashboard_section(ctx: Ctx) -> ProfileSection:
    """This month's referral rate, funnel, reward cost and top referrers (the lifetime
    values, which read every paid order, are left to ``referral stats`` and the API)."""
    period = ctx.now().astimezone(ctx.tz).strftime("%Y-%m")
    s = reports.stats(ctx, period, top=5, lifetime=False)

    def num(value: Any) -> str:
        return format_number(value, ctx.locale) if value is not None else "–"

    kind = _(reports.KIND_LABELS.get(s.reward_kind, s.reward_kind))
    tiles = [(_("Referral rate"), f"{s.referral_rate}%" if s.referral_rate is not None
              else "–"),
             (_("Referred new customers"), f"{num(s.referred_new)} / {num(s.new_customers)}"),
             (_("Rewards this month"), f"{num(s.reward_value.normalize())} {kind}"),
             (_("Reward per acquired customer"),
              num(s.cost_per_acquired.normalize()) if s.cost_per_acquired else "–")]
    kpis = Markup("").join(Markup("<div class=\"kpi\"><span>{}</span><strong>{}</strong></div>")
                           .format(label, value) for label, value in tiles)
    funnel = Markup(" → ").join(Markup("<span class=\"funnel-step\">{} <strong>{}</strong></span>")
                                .format(_(reports.FUNNEL_LABELS[k]), num(v)) for k, v in s.funnel)
    rows = Markup("").join(Markup("<tr><td>{}</td><td class=\"num\">{}</td>"
                                  "<td class=\"num\">{}</td><td class=\"num\">{}</td></tr>")
                           .format(f"{t.name} ({t.customer_ref})", num(t.referrals),
                                   num(t.qualified), num(t.reward_value.normalize()))
                           for t in s.top_referrers)
    table = Markup("<table class=\"table\"><thead><tr><th>{}</th><th class=\"num\">{}</th>"
                   "<th class=\"num\">{}</th><th class=\"num\">{}</th></tr></thead>"
                   "<tbody>{}</tbody></table>").format(
        _("Top referrers"), _("Referrals recorded"), _("Referrals qualified"),
        _("Rewards earned"),
        rows or Markup("<tr><td colspan=\"4\">{}</td></tr>").format(_("Nobody yet.")))
    html = (Markup("<div class=\"kpis\">{}</div><p class=\"funnel\">{}</p>").format(kpis, funnel)
            + table)
    return ProfileSection(key="referral", title=_("Referrals this month"), html=str(html),
                          order=60)


class ReferralView(CrmView):
    """The referrals list; held ones are the review queue."""

    route_base = "/referral"
    default_view = "list"
    class_permission_name = RESOURCE
    template_folder = str(Path(__file__).resolve().parent / "templates")
    method_permission_name = {"list": "read", "review": "write"}

    @expose("/list/")
    @has_access
    @not_found_on_missing
    def list(self) -> Any:
        ctx = module_ctx(services.MODULE)
        show = request.args.get("status", "held")
        rows = referral_rows(ctx, None if show == "all" else show)
        return self.page("referral/list.html", rows=rows, show=show,
                         status_label=status_label, title=_("Referrals"))

    @expose("/review/<int:referral_id>", methods=["POST"])
    @has_access
    @not_found_on_missing
    def review(self, referral_id: int) -> Any:
        ctx = module_ctx(services.MODULE)
        try:
            services.review(ctx, referral_id, request.form.get("decision") == "approve",
                            request.form.get("reason"))
            flash(_("Decision recorded."), "success")
        except (ValidationFailed, DomainError) as exc:
            flash("; ".join(m for msgs in getattr(exc, "errors", {}).values() for m in msgs)
                  or exc.message, "danger")
        return redirect(url_for(".list"))


_REFERRAL_STATUSES = [s.value for s in ReferralStatus]


class CodeOut(Schema):
    customer_ref = out.text()
    code = out.text()


class ReferralOut(Schema):
    id = out.integer(metadata={"description": "Names the referral in /referrals/{id}/review"})
    referrer_ref = out.text()
    referrer = out.text()
    referred_ref = out.text()
    referred = out.text()
    referred_at = out.when()
    status = out.one_of(_REFERRAL_STATUSES)
    hold_reason = out.text(nullable=True)
    source = out.text(nullable=True)
    decision_reason = out.text(nullable=True)


class WrittenOut(Schema):
    written = out.integer(metadata={"description": "0: the referral was already recorded"})


class RewardOut(Schema):
    referral = out.integer()
    referrer_ref = out.text()
    referred_ref = out.text()
    order_ref = out.text(nullable=True)
    side = out.text()
    kind = out.text()
    value = out.money()
    status = out.text()
    qualified_at = out.when()


class ReviewBody(Schema):
    decision = fields.String(required=True, validate=validate.OneOf(["approve", "reject"]))
    reason = fields.String(validate=validate.Length(max=2000))


class ReviewedOut(Schema):
    id = out.integer()
    status = out.one_of(_REFERRAL_STATUSES)


class TopReferrerOut(Schema):
    customer_ref = out.text()
    name = out.text()
    referrals = out.integer()
    qualified = out.integer()
    reward_value = out.money()


class ChannelOut(Schema):
    channel = out.text()
    new_customers = out.integer()
    reward_cost = out.money()
    cost_per_customer = out.money(nullable=True)


class StatsOut(Schema):
    period = out.text(metadata={"example": "2026-03"})
    new_customers = out.integer()
    referred_new = out.integer()
    referral_rate = out.money(nullable=True)
    funnel = fields.Dict(keys=fields.String(), values=fields.Integer(), required=True)
    top_referrers = fields.List(fields.Nested(TopReferrerOut), required=True)
    reward_kind = out.text()
    reward_value = out.money()
    cost_per_acquired = out.money(nullable=True)
    channels = fields.List(fields.Nested(ChannelOut), required=True)
    ltv_referred = out.money(nullable=True)
    ltv_others = out.money(nullable=True)
    buyers_referred = out.integer()
    buyers_others = out.integer()


class ReferralApi(CrmApi):
    """Codes, referrals, rewards and review."""

    resource_name = "referral"
    class_permission_name = RESOURCE
    method_permission_name = {"code": "read", "referrals": "read", "add": "write",
                              "rewards": "read", "review": "write", "stats": "read"}

    @expose("/customers/<string:ref>/code", methods=["GET"])
    @protect()
    @api_errors
    def code(self, ref: str) -> Any:
        ctx = module_ctx(services.MODULE)
        get_by_ref(ctx, Customer, ref)  # the row policy: a rep's own customers only
        return self.response(200, result={"customer_ref": ref,
                                          "code": services.code_for(ctx, ref)})

    openapi("A customer's referral code (made on first request)", path=("ref",),
            method="get", response=CodeOut)(code)

    @expose("/referrals", methods=["GET"])
    @protect()
    @api_errors
    def referrals(self) -> Any:
        rows = referral_rows(module_ctx(services.MODULE), request.args.get("status"))
        return self.response(200, result=[{k: jsonable(v) for k, v in r.items()}
                                          for r in rows])

    openapi("Referrals, newest first (at most 500)",
            query={"status": {"type": "string", "enum": _REFERRAL_STATUSES}}, method="get",
            response=ReferralOut, many=True)(referrals)

    @expose("/referrals", methods=["POST"])
    @protect()
    @api_errors
    def add(self) -> Any:
        n = services.record_referrals(module_ctx(services.MODULE), [self.json_body()], "api")
        return self.response(201 if n else 200, result={"written": n})

    openapi("Record a referral (the referrer by referrer_ref or code; 200 when it was "
            "already recorded)", body=services.ReferralSchema, method="post",
            status=(200, 201), response=WrittenOut)(add)

    @expose("/rewards", methods=["GET"])
    @protect()
    @api_errors
    def rewards(self) -> Any:
        rows = reports.rewards(module_ctx(services.MODULE), request.args.get("status"))
        return self.response(200, result=[{k: jsonable(getattr(r, k))
                                           for k in reports.COLUMNS} for r in rows])

    openapi("Rewards, newest first", query=("status",), method="get", response=RewardOut,
            many=True)(rewards)

    @expose("/referrals/<int:referral_id>/review", methods=["POST"])
    @protect()
    @api_errors
    def review(self, referral_id: int) -> Any:
        ctx = module_ctx(services.MODULE)
        body = load_or_raise(ReviewBody(), self.json_body())
        done = services.review(ctx, referral_id, body["decision"] == "approve",
                               body.get("reason"))
        return self.response(200, result={"id": done.id, "status": done.status.value})

    openapi("Approve or reject a held referral", path={"referral_id": "integer"},
            body=ReviewBody, method="post", status=200, response=ReviewedOut)(review)

    @expose("/stats", methods=["GET"])
    @protect()
    @api_errors
    def stats(self) -> Any:
        ctx = module_ctx(services.MODULE)
        figures = reports.stats(ctx, request.args.get("period") or
                                ctx.now().astimezone(ctx.tz).strftime("%Y-%m"))
        data = jsonable(dataclasses.asdict(figures))
        data["funnel"] = dict(figures.funnel)
        return self.response(200, result=data)

    openapi("The month's figures: referral rate, funnel, rewards, lifetime value, top "
            "referrers (period: YYYY-MM, default this month)", query=("period",),
            method="get", response=StatsOut)(stats)


def register(appbuilder: AppBuilder) -> None:
    """The list and review queue (menu), the API, and the public landing page."""
    from plugins.referral import landing

    appbuilder.add_view(ReferralView, "Referrals", label=N_("Referrals"))
    appbuilder.add_api(ReferralApi)
    landing.register(current_app._get_current_object(), appbuilder.sm.limiter)
