"""Admin screens of the loyalty module: the programme (settings, tiers, rewards) and a
customer's ledger with manual adjustment. Thin: read the request, call ``services``.

Registered through ``crm_register_views``; the resource is ``mod_loyalty`` so the core's
roles apply (admins and managers write, others read), and the pages answer 404 for users
whose brand has not enabled the module.
"""

from __future__ import annotations

import uuid
from pathlib import Path
from typing import Any

from flask import request, url_for
from flask_appbuilder import AppBuilder, expose, has_access

from core.api import N_, Customer, _, get_by_ref
from core.api.web import CrmView, Field, crm_ctx, not_found_on_missing
from plugins.loyalty import services, tiers
from plugins.loyalty.models import RewardKind
from plugins.loyalty.reports import entry_label, source_label
from plugins.loyalty.settings import Rounding, TierBasis, programme

RESOURCE = "mod_loyalty"


def rounding_label(value: str) -> str:
    """The translated name of a rounding rule."""
    return {Rounding.FLOOR.value: _("Round down"), Rounding.HALF_UP.value: _("Round half up"),
            Rounding.CEIL.value: _("Round up")}.get(value, value)


def reward_label(value: str) -> str:
    """The translated name of a reward kind."""
    return {RewardKind.PRODUCT.value: _("Product"), RewardKind.VOUCHER.value: _("Voucher"),
            RewardKind.SERVICE.value: _("Service")}.get(value, value)


def settings_fields() -> list[Field]:
    """The programme settings form."""
    return [
        Field("earn_rate", N_("Points per currency unit paid"), "number", required=True),
        Field("rounding", N_("Rounding of earned points"), "select",
              choices=lambda: [(r.value, rounding_label(r.value)) for r in Rounding]),
        Field("validity_months", N_("Points valid for (months, 0 = never expire)"), "number"),
        Field("birthday_bonus", N_("Birthday bonus (points)"), "number"),
        Field("min_redemption", N_("Minimum redemption (points)"), "number"),
        Field("points_per_currency_unit", N_("Points worth one currency unit"), "number"),
        Field("tier_basis", N_("Tiers measured on"), "select",
              choices=lambda: [(TierBasis.SPEND.value, _("Spend")),
                               (TierBasis.POINTS.value, _("Points"))]),
        Field("tier_window_months", N_("Tier window (months)"), "number"),
        Field("reminder_days", N_("Remind of expiring points (days ahead)"), "number"),
    ]


def tier_fields() -> list[Field]:
    """The tier form."""
    return [
        Field("code", N_("Code"), required=True),
        Field("name", N_("Name"), required=True),
        Field("rank", N_("Rank (0 = entry tier)"), "number", required=True),
        Field("min_value", N_("Value to reach the tier"), "money", required=True),
        Field("retain_value", N_("Value to keep the tier"), "money"),
        Field("multiplier", N_("Points multiplier"), "number"),
        Field("benefits", N_("Benefits"), "textarea"),
    ]


def reward_fields() -> list[Field]:
    """The reward form."""
    return [
        Field("code", N_("Code"), required=True),
        Field("name", N_("Name"), required=True),
        Field("kind", N_("Kind"), "select", required=True,
              choices=lambda: [(k.value, reward_label(k.value)) for k in RewardKind]),
        Field("points_cost", N_("Points cost"), "number", required=True),
        Field("stock", N_("Stock (empty = unlimited)"), "number"),
        Field("active", N_("On offer"), "select",
              choices=lambda: [("true", _("Yes")), ("false", _("No"))]),
    ]


def adjust_fields() -> list[Field]:
    """The manual adjustment form."""
    return [
        Field("points", N_("Points (negative to remove)"), "number", required=True),
        Field("reason", N_("Reason"), "textarea", required=True),
    ]


def redeem_reward_fields(ctx: Any) -> list[Field]:
    """The reward redemption form; the prefilled reference makes a resubmission harmless."""
    return [
        Field("reward_code", N_("Reward"), "select", required=True,
              choices=lambda: [(r.code, f"{r.name} ({r.points_cost})")
                               for r in services.list_rewards(ctx, active_only=True)]),
        Field("redemption_ref", N_("Redemption reference"), required=True),
    ]


class LoyaltyView(CrmView):
    """Programme settings, tiers, rewards, and each customer's ledger."""

    route_base = "/loyalty"
    class_permission_name = RESOURCE
    template_folder = str(Path(__file__).resolve().parent / "templates")
    method_permission_name = {"list": "read", "customer": "read", "settings": "write",
                              "tier": "write", "reward": "write", "adjust": "write",
                              "redeem": "write"}

    @expose("/list/")
    @has_access
    @not_found_on_missing
    def list(self) -> Any:
        ctx = crm_ctx()
        return self.page("loyalty/programme.html", settings=programme(ctx).to_json(),
                         tiers=tiers.list_tiers(ctx), rewards=services.list_rewards(ctx),
                         rounding_label=rounding_label, reward_label=reward_label,
                         title=_("Loyalty programme"))

    @expose("/settings", methods=["GET", "POST"])
    @has_access
    @not_found_on_missing
    def settings(self) -> Any:
        ctx = crm_ctx()
        return self.save(settings_fields(), lambda data: services.update_settings(ctx, data),
                         "crm/form.html", lambda _r: url_for(".list"),
                         _("Programme settings"), programme(ctx).to_json(),
                         back=url_for(".list"))

    @expose("/tier", methods=["GET", "POST"])
    @has_access
    @not_found_on_missing
    def tier(self) -> Any:
        ctx = crm_ctx()
        current = {t.code: t for t in tiers.list_tiers(ctx)}.get(request.args.get("code", ""))
        values = {} if current is None else {
            "code": current.code, "name": current.name, "rank": current.rank,
            "min_value": str(current.min_value), "retain_value": str(current.retain_value),
            "multiplier": str(current.multiplier), "benefits": current.benefits or ""}
        return self.save(tier_fields(), lambda data: services.save_tier(ctx, data),
                         "crm/form.html", lambda _t: url_for(".list"), _("Tier"), values,
                         back=url_for(".list"))

    @expose("/reward", methods=["GET", "POST"])
    @has_access
    @not_found_on_missing
    def reward(self) -> Any:
        ctx = crm_ctx()
        current = {r.code: r for r in services.list_rewards(ctx)}.get(
            request.args.get("code", ""))
        values = {"active": "true"} if current is None else {
            "code": current.code, "name": current.name, "kind": current.kind.value,
            "points_cost": current.points_cost, "stock": "" if current.stock is None
            else current.stock, "active": "true" if current.active else "false"}
        return self.save(reward_fields(), lambda data: services.save_reward(ctx, data),
                         "crm/form.html", lambda _r: url_for(".list"), _("Reward"), values,
                         back=url_for(".list"))

    @expose("/customer/<string:ref>")
    @has_access
    @not_found_on_missing
    def customer(self, ref: str) -> Any:
        ctx = crm_ctx()
        customer = get_by_ref(ctx, Customer, ref)
        return self.page("loyalty/customer.html", customer=customer,
                         summary=services.summary(ctx, customer.id, last=0),
                         entries=services.ledger_entries(ctx, ref, limit=200),
                         tz=ctx.tz, entry_label=entry_label, source_label=source_label,
                         title=_("Points of %(name)s", name=customer.name))

    @expose("/customer/<string:ref>/adjust", methods=["GET", "POST"])
    @has_access
    @not_found_on_missing
    def adjust(self, ref: str) -> Any:
        ctx = crm_ctx()
        customer = get_by_ref(ctx, Customer, ref)
        back = url_for(".customer", ref=ref)
        return self.save(adjust_fields(),
                         lambda data: services.adjust(ctx, {**data, "customer_ref": ref}),
                         "crm/form.html", lambda _e: back,
                         _("Adjust the points of %(name)s", name=customer.name), {},
                         back=back)


    @expose("/customer/<string:ref>/redeem", methods=["GET", "POST"])
    @has_access
    @not_found_on_missing
    def redeem(self, ref: str) -> Any:
        ctx = crm_ctx()
        customer = get_by_ref(ctx, Customer, ref)
        back = url_for(".customer", ref=ref)
        return self.save(redeem_reward_fields(ctx),
                         lambda data: services.redeem_reward(ctx, {**data, "customer_ref": ref}),
                         "crm/form.html", lambda _r: back,
                         _("Give %(name)s a reward", name=customer.name),
                         {"redemption_ref": f"W-{uuid.uuid4().hex[:12]}"}, back=back)


def register(appbuilder: AppBuilder) -> None:
    """Add the loyalty screen (menu entry) and REST API."""
    from plugins.loyalty.api import LoyaltyApi

    appbuilder.add_view(LoyaltyView, "Loyalty", label=N_("Loyalty"))
    appbuilder.add_api(LoyaltyApi)
