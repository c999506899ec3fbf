"""Orders (with lines, payments and returns) and returns/refunds."""

from __future__ import annotations

import re
from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from flask import flash, redirect, request, url_for
from flask_appbuilder import expose, has_access
from sqlalchemy import select

from core.errors import DomainError, ValidationFailed
from core.i18n import N_
from core.i18n import gettext_core as _
from core.models import Order, Product, Return
from core.services import browse
from core.services.orders import (
    cancel_order,
    create_order,
    create_return,
    pay_order,
    record_payment,
    refund_deposit,
    refund_return,
)
from core.services.payments import (
    balance_due,
    paid_amount,
    paid_amounts,
    payment_methods,
    payment_state,
    refund_due,
)
from core.services.scoping import get_by_id, get_by_ref
from core.web import formatting, labels
from core.web.context import crm_ctx
from core.web.views.base import CrmView, Field, not_found_on_missing

ORDER_FIELDS = [
    Field("order_ref", N_("Order no."),
          help=N_("Leave blank: the next number of the brand's pattern is given.")),
    Field("customer_ref", N_("Customer"), "picker", required=True,
          picker="CustomerView.pick", help=N_("Type part of a name, a ref or a whole phone "
                                              "number.")),
    Field("rep_ref", N_("Rep"), "picker", picker="RepView.pick",
          help=N_("Defaults to the customer's rep.")),
    Field("ordered_at", N_("Ordered at"), "datetime", required=True),
    Field("status", N_("Status"), "select", choices=lambda: labels.choices("order_status")),
    Field("channel", N_("Channel")),
    Field("region", N_("Region")),
]

RETURN_FIELDS = [
    Field("return_ref", N_("Return ref"), required=True),
    Field("order_ref", N_("Order ref"), required=True),
    Field("requested_at", N_("Requested at"), "datetime", required=True),
    Field("refunded_at", N_("Refunded at"), "datetime",
          help=N_("Fill in to refund at once; leave blank to refund later.")),
    Field("reason", N_("Reason"), "textarea"),
]

# Names of the payment methods in the form (a method a module adds, e.g. loyalty's
# "points", is shown by the labels' fallback when not listed here).
METHOD_LABELS = {"cash": N_("Cash"), "bank_card": N_("Bank card"),
                 "bank_transfer": N_("Bank transfer"), "wechat_pay": N_("WeChat Pay"),
                 "alipay": N_("Alipay"), "points": N_("Loyalty points"),
                 "unspecified": N_("Not specified")}

# States read from the payments, offered beside the stored statuses in the list filter.
DERIVED_STATES = ("partly_paid", "refund_due")

_ROW = re.compile(r"^(lines|payments)-(\d{1,3})-")


def _row_indexes(form: Mapping[str, str], group: str) -> list[int]:
    """The row numbers of ``group`` (``lines``, ``payments``) in a submitted form, in
    order: the page adds and removes rows, so they are read from the keys."""
    found = {int(m.group(2)) for key in form if (m := _ROW.match(key)) and m.group(1) == group}
    return sorted(found)


def _rows(form: Mapping[str, str], group: str, keys: tuple[str, ...]) -> list[dict[str, Any]]:
    """The non-empty rows of ``group`` (``<group>-<i>-<key>``), blanks dropped."""
    out = []
    for i in _row_indexes(form, group):
        row = {k: (form.get(f"{group}-{i}-{k}") or "").strip() for k in keys}
        if any(row.values()):
            out.append({k: v for k, v in row.items() if v})
    return out


def _lines(form: Mapping[str, str], money_key: str) -> list[dict[str, Any]]:
    """Line rows ``lines-<i>-sku`` etc. of a submitted form; empty rows dropped."""
    return _rows(form, "lines", ("sku", "quantity", money_key))


def _line_count() -> int:
    """Line rows to show: as many as were submitted (at least one)."""
    return max(1, len(_row_indexes(request.form, "lines"))) if request.method == "POST" else 1


def format_money(amount: Decimal) -> str:
    """An amount in the brand's currency, for a message."""
    ctx = crm_ctx()
    return formatting.money(amount, ctx.brand.currency, ctx.locale)


class OrderView(CrmView):
    """The order screens."""

    route_base = "/orders"
    class_permission_name = "Orders"
    method_permission_name = {**CrmView.method_permission_name, "pay": "write",
                              "cancel": "write", "payment": "write",
                              "refund_deposit": "write"}

    def _search(self, page: int, per_page: int = 25) -> Any:
        # The status filter also offers the states read from the payments (partly paid,
        # deposit to refund): those filter on the payments, not the stored status.
        status = request.args.get("status")
        state = status if status in DERIVED_STATES else None
        return browse.search_orders(crm_ctx(), q=request.args.get("q"),
                                    status=None if state else status, payment_state=state,
                                    rep_ref=request.args.get("rep"), page=page,
                                    per_page=per_page, sort=request.args.get("sort"))

    @expose("/export.csv")
    @has_access
    @not_found_on_missing
    def export(self) -> Any:
        """The filtered, sorted orders as CSV."""
        return self.csv_export("orders", [
            (N_("Order no."), lambda o: o.order_ref), (N_("Ordered"), lambda o: o.ordered_at),
            (N_("Customer"), lambda o: f"{o.customer.name} ({o.customer.customer_ref})"),
            (N_("Rep"), lambda o: f"{o.rep.name} ({o.rep.rep_ref})" if o.rep else ""),
            # The state read from the payments: "Partly paid" rather than "Pending".
            (N_("Status"), lambda o: labels.label("payment_state", payment_state(o))),
            (N_("Total"), lambda o: o.total_amount),
            (N_("Channel"), lambda o: labels.label("order_channel", o.channel)),
            (N_("Paid so far"), paid_amount), (N_("Balance due"), balance_due),
            ], self._search)

    @expose("/list/")
    @has_access
    @not_found_on_missing
    def list(self) -> Any:
        ctx = crm_ctx()
        result = self._search(self.args_int("page"))
        paid = paid_amounts(ctx, [o.id for o in result.items])
        money_state = {o.id: (payment_state(o, paid[o.id]), balance_due(o, paid[o.id]),
                              refund_due(o, paid[o.id])) for o in result.items}
        statuses = [*labels.choices("order_status"),
                    *[(code, labels.label("payment_state", code)) for code in DERIVED_STATES]]
        return self.page("crm/orders/list.html", result=result, statuses=statuses,
                         money_state=money_state, title=_("Orders"))

    def _show(self, order: Order, pay_values: Mapping[str, str] | None = None,
              pay_errors: Mapping[str, list[str]] | None = None) -> Any:
        """The order page, with the "Record payment" form's values and errors."""
        ctx = crm_ctx()
        paid = paid_amount(order)
        due = balance_due(order, paid)
        defaults = {"amount": str(due) if due > 0 else "",
                    "paid_at": ctx.now().astimezone(ctx.tz).strftime("%Y-%m-%dT%H:%M")}
        return self.page("crm/orders/show.html", o=order, paid=paid, due=due,
                         to_refund=refund_due(order, paid), state=payment_state(order, paid),
                         methods=self._methods(ctx),
                         pay_values={**defaults, **(pay_values or {})},
                         pay_errors=pay_errors or {},
                         title=_("Order %(ref)s", ref=order.order_ref)), \
            (422 if pay_errors else 200)

    @staticmethod
    def _methods(ctx: Any) -> list[tuple[str, str]]:
        """The brand's payment methods as (code, label) for a select (a module refuses its
        own method on a deposit if it cannot take one, e.g. loyalty's points)."""
        return [(m, _(METHOD_LABELS[m]) if m in METHOD_LABELS else
                 labels.label("payment_method", m)) for m in payment_methods(ctx)]

    @expose("/show/<int:pk>")
    @has_access
    @not_found_on_missing
    def show(self, pk: int) -> Any:
        return self._show(get_by_id(crm_ctx(), Order, pk))

    @expose("/payment/<int:pk>", methods=["POST"])
    @has_access
    @not_found_on_missing
    def payment(self, pk: int) -> Any:
        """Record a payment (a deposit, an instalment or the balance) from the order page;
        bad input shows the page again with each field's message, nothing recorded."""
        ctx = crm_ctx()
        order = get_by_id(ctx, Order, pk)
        form = {k: (request.form.get(k) or "").strip()
                for k in ("method", "amount", "reference", "paid_at")}
        row = {k: form[k] for k in ("method", "amount", "reference") if form[k]}
        data: dict[str, Any] = {"payments": [row]}
        if form["paid_at"]:
            data["paid_at"] = form["paid_at"]
        try:
            order = record_payment(ctx, order.order_ref, data)
        except ValidationFailed as exc:
            errors = {k.removeprefix("payments.0."): v for k, v in exc.errors.items()}
            ctx.session.rollback()
            return self._show(get_by_id(ctx, Order, pk), form, errors)
        except DomainError as exc:
            flash(exc.message, "danger")
            return redirect(url_for(".show", pk=pk))
        if order.status.value == "paid":
            flash(_("Payment recorded: order %(ref)s is paid in full.", ref=order.order_ref),
                  "success")
        else:
            flash(_("Payment recorded: %(due)s is still due on order %(ref)s.",
                    due=format_money(balance_due(order)), ref=order.order_ref), "success")
        return redirect(url_for(".show", pk=pk))

    @expose("/refund-deposit/<int:pk>", methods=["POST"])
    @has_access
    @not_found_on_missing
    def refund_deposit(self, pk: int) -> Any:
        """Record that the deposit of a cancelled order was given back."""
        ctx = crm_ctx()
        order = get_by_id(ctx, Order, pk)
        reference = (request.form.get("reference") or "").strip() or None
        try:
            refund_deposit(ctx, order.order_ref, {"reference": reference})
            flash(_("The deposit of order %(ref)s is recorded as refunded.",
                    ref=order.order_ref), "success")
        except ValidationFailed as exc:
            flash(" ".join(m for msgs in exc.errors.values() for m in msgs), "danger")
        except DomainError as exc:
            flash(exc.message, "danger")
        return redirect(url_for(".show", pk=pk))

    @expose("/add", methods=["GET", "POST"])
    @has_access
    @not_found_on_missing
    def add(self) -> Any:
        ctx = crm_ctx()

        def act(data: dict[str, Any]) -> Order:
            lines = _lines(request.form, "unit_price")
            skus = [line["sku"] for line in lines if line.get("sku")]
            prices = {p.sku: p.list_price for p in ctx.session.scalars(select(Product).where(
                Product.brand_id == ctx.brand_id, Product.sku.in_(skus)))} if skus else {}
            for line in lines:  # an empty price means the list price
                if "unit_price" not in line and line.get("sku") in prices:
                    line["unit_price"] = str(prices[line["sku"]])
            payments = _rows(request.form, "payments", ("method", "amount"))
            status = data.get("status") or "paid"
            # A paid order: its payments (one blank amount pays the rest). A pending one:
            # what the customer pays now, if anything (a deposit).
            if status in ("paid", "pending") and payments:
                data["payments"] = payments
            return create_order(ctx, {**data, "lines": lines}, rest=status == "paid")

        defaults = {"status": "paid", "customer_ref": request.args.get("customer", ""),
                    "ordered_at": ctx.now().astimezone(ctx.tz).strftime("%Y-%m-%dT%H:%M")}
        methods = self._methods(ctx)
        return self.save(ORDER_FIELDS, act, "crm/orders/form.html",
                         lambda o: url_for(".show", pk=o.id), _("New order"), defaults,
                         line_rows=_line_count(), money_key="unit_price",
                         payment_rows=max(1, len(_row_indexes(request.form, "payments"))),
                         payment_methods=methods, back=url_for(".list"))

    @expose("/pay/<int:pk>", methods=["POST"])
    @has_access
    @not_found_on_missing
    def pay(self, pk: int) -> Any:
        ctx = crm_ctx()
        order = get_by_id(ctx, Order, pk)
        try:
            pay_order(ctx, order.order_ref)
            flash(_("Order %(ref)s is paid.", ref=order.order_ref), "success")
        except ValidationFailed as exc:  # a module refused (the balance is not payable)
            flash(" ".join(m for msgs in exc.errors.values() for m in msgs), "danger")
        except DomainError as exc:
            flash(exc.message, "danger")
        return redirect(url_for(".show", pk=pk))

    @expose("/cancel/<int:pk>", methods=["POST"])
    @has_access
    @not_found_on_missing
    def cancel(self, pk: int) -> Any:
        ctx = crm_ctx()
        order = get_by_id(ctx, Order, pk)
        try:
            order = cancel_order(ctx, order.order_ref)
            owed = refund_due(order)
            if owed > 0:
                flash(_("Order %(ref)s is cancelled. Its deposit of %(amount)s is to be "
                        "refunded to the customer: record the refund on this page once "
                        "it is paid back.", ref=order.order_ref,
                        amount=format_money(owed)), "warning")
            else:
                flash(_("Order %(ref)s is cancelled.", ref=order.order_ref), "success")
        except DomainError as exc:
            flash(exc.message, "danger")
        return redirect(url_for(".show", pk=pk))


class ReturnView(CrmView):
    """Returns and refunds (退货退款)."""

    route_base = "/returns"
    class_permission_name = "Returns"
    method_permission_name = {**CrmView.method_permission_name, "refund": "write"}

    @expose("/list/")
    @has_access
    @not_found_on_missing
    def list(self) -> Any:
        result = self._search(self.args_int("page"))
        return self.page("crm/returns/list.html", result=result, title=_("Returns"))

    def _search(self, page: int, per_page: int = 25) -> Any:
        refunded = {"yes": True, "no": False}.get(request.args.get("refunded", ""))
        return browse.search_returns(crm_ctx(), q=request.args.get("q"), refunded=refunded,
                                     page=page, per_page=per_page,
                                     sort=request.args.get("sort"))

    @expose("/export.csv")
    @has_access
    @not_found_on_missing
    def export(self) -> Any:
        """The filtered, sorted returns as CSV."""
        return self.csv_export("returns", [
            (N_("Return no."), lambda r: r.return_ref),
            (N_("Order no."), lambda r: r.order.order_ref),
            (N_("Requested"), lambda r: r.requested_at),
            (N_("Refunded"), lambda r: r.refunded_at), (N_("Amount"), lambda r: r.amount),
            (N_("Reason"), lambda r: r.reason),
            (N_("Customer"),
             lambda r: f"{r.order.customer.name} ({r.order.customer.customer_ref})"),
            ], self._search)

    @expose("/add", methods=["GET", "POST"])
    @has_access
    @not_found_on_missing
    def add(self) -> Any:
        ctx = crm_ctx()

        def act(data: dict[str, Any]) -> Return:
            if data.get("order_ref"):
                get_by_ref(ctx, Order, data["order_ref"])  # a rep: only their own orders
            return create_return(ctx, {**data, "lines": _lines(request.form, "amount")})

        order_ref = request.args.get("order", "")
        defaults = {"order_ref": order_ref,
                    "requested_at": ctx.now().astimezone(ctx.tz).strftime("%Y-%m-%dT%H:%M")}
        return self.save(RETURN_FIELDS, act, "crm/orders/form.html",
                         lambda r: url_for("OrderView.show", pk=r.order_id), _("New return"),
                         defaults, line_rows=_line_count(), money_key="amount",
                         back=url_for(".list"))

    @expose("/refund/<int:pk>", methods=["POST"])
    @has_access
    @not_found_on_missing
    def refund(self, pk: int) -> Any:
        ctx = crm_ctx()
        ret = browse.get_scoped(ctx, browse.scoped_returns(ctx), Return, pk)
        refund_return(ctx, ret.return_ref)
        flash(_("Return %(ref)s is refunded.", ref=ret.return_ref), "success")
        return redirect(url_for("OrderView.show", pk=ret.order_id))



