"""The REST resources: customers, reps, products, orders, returns, interactions, tasks.

Thin: each endpoint reads the request, calls a service with the request's ``Ctx``, and
serialises the result. Creating an order or a refund goes through the same services as
the CLI import, so the same hooks fire.
"""

from __future__ import annotations

from typing import Any

from flask import request
from flask_appbuilder.api import expose, protect

from core.errors import ValidationFailed
from core.i18n import gettext_core as _
from core.models import (
    Customer,
    InteractionKind,
    LifecycleStage,
    Order,
    OrderStatus,
    Product,
    Rep,
    RepStatus,
    Return,
    TaskStatus,
)
from core.schemas import (
    AwareDateTime,
    CustomerUpdateSchema,
    InteractionSchema,
    OrderSchema,
    PayOrderSchema,
    ProductSchema,
    RecordPaymentSchema,
    RefundDepositSchema,
    RepSchema,
    ReturnSchema,
    TaskSchema,
)
from core.services import browse
from core.services.activities import complete_task, create_interaction, create_task
from core.services.customers import create_customer, update_customer
from core.services.orders import (
    cancel_order,
    create_order,
    create_return,
    pay_order,
    record_payment,
    refund_deposit,
    refund_return,
)
from core.services.payments import PAYMENT_STATES
from core.services.products import create_product, update_product
from core.services.reps import change_rep_status, create_rep, rep_status_history, update_rep
from core.services.scoping import get_by_ref
from core.web.api import schemas as out
from core.web.api import serializers as ser
from core.web.api.base import CrmApi, api_errors, openapi
from core.web.context import as_own_rep, crm_ctx
from core.web.forms import StatusChangeSchema


def _codes(enum: Any) -> dict[str, Any]:
    """A query filter taking one of an enum's codes."""
    return {"type": "string", "enum": [e.value for e in enum]}


def _arg(name: str) -> str | None:
    return request.args.get(name) or None


class CustomerApi(CrmApi):
    """Customers: search, read, create, update (phones masked)."""

    resource_name = "customers"
    class_permission_name = "Customers"

    @expose("/", methods=["GET"])
    @protect()
    @api_errors
    @openapi("List customers", query={"q": "string", "stage": _codes(LifecycleStage),
                                    "rep_ref": "string", "tag": "string"}, paged=True,
             response=out.CustomerOut)
    def get_list(self) -> Any:
        ctx = crm_ctx()
        page, size = self.paging()
        return self.page_response(browse.search_customers(
            ctx, q=_arg("q"), stage=_arg("stage"), rep_ref=_arg("rep_ref"), tag=_arg("tag"),
            page=page, per_page=size), ser.customer)

    @expose("/<string:ref>", methods=["GET"])
    @protect()
    @api_errors
    @openapi("Get a customer", path=("ref",), response=out.CustomerOut)
    def get_one(self, ref: str) -> Any:
        return self.response(200, result=_json(ser.customer(get_by_ref(crm_ctx(), Customer,
                                                                          ref))))

    @expose("/", methods=["POST"])
    @protect()
    @api_errors
    @openapi("Create a customer", body=out.CustomerBody, response=out.CustomerOut)
    def post(self) -> Any:
        ctx = crm_ctx()
        body = self.json_body()
        allow = bool(body.pop("allow_duplicate", False))
        customer = create_customer(ctx, body, allow_duplicate=allow)
        return self.response(201, result=_json(ser.customer(customer)))

    @expose("/<string:ref>", methods=["PUT"])
    @protect()
    @api_errors
    @openapi("Update a customer", path=("ref",), body=CustomerUpdateSchema,
             response=out.CustomerOut)
    def put(self, ref: str) -> Any:
        ctx = crm_ctx()
        get_by_ref(ctx, Customer, ref)  # a rep: only their own customers
        return self.response(200, result=_json(ser.customer(
            update_customer(ctx, ref, self.json_body()))))


class RepApi(CrmApi):
    """Reps: profiles, status changes and their history."""

    resource_name = "reps"
    class_permission_name = "Reps"

    @expose("/", methods=["GET"])
    @protect()
    @api_errors
    @openapi("List reps", query={"q": "string", "status": _codes(RepStatus)}, paged=True,
             response=out.RepOut)
    def get_list(self) -> Any:
        page, size = self.paging()
        return self.page_response(browse.search_reps(
            crm_ctx(), q=_arg("q"), status=_arg("status"), page=page, per_page=size), ser.rep)

    @expose("/<string:ref>", methods=["GET"])
    @protect()
    @api_errors
    @openapi("Get a rep", path=("ref",), response=out.RepOut)
    def get_one(self, ref: str) -> Any:
        return self.response(200, result=_json(ser.rep(get_by_ref(crm_ctx(), Rep, ref))))

    @expose("/", methods=["POST"])
    @protect()
    @api_errors
    @openapi("Create a rep", body=RepSchema, response=out.RepOut)
    def post(self) -> Any:
        return self.response(201, result=_json(ser.rep(create_rep(crm_ctx(),
                                                                  self.json_body()))))

    @expose("/<string:ref>", methods=["PUT"])
    @protect()
    @api_errors
    @openapi("Update a rep's profile", path=("ref",), body=RepSchema(partial=True),
             response=out.RepOut)
    def put(self, ref: str) -> Any:
        return self.response(200, result=_json(ser.rep(update_rep(crm_ctx(), ref,
                                                                  self.json_body()))))

    @expose("/<string:ref>/history", methods=["GET"])
    @protect()
    @api_errors
    @openapi("A rep's status history, oldest first", path=("ref",),
             response=out.RepStatusChangeOut, many=True)
    def history(self, ref: str) -> Any:
        return self.response(200, result=_json([ser.rep_status_change(h) for h in
                                                rep_status_history(crm_ctx(), ref)]))

    @expose("/<string:ref>/status", methods=["POST"])
    @protect()
    @api_errors
    @openapi("Move a rep to another status (modules may refuse)", path=("ref",),
             body=StatusChangeSchema, response=out.RepOut, status=200)
    def status(self, ref: str) -> Any:
        from core.schemas import load_or_raise

        ctx = crm_ctx()
        values = load_or_raise(StatusChangeSchema(), self.json_body())
        return self.response(200, result=_json(ser.rep(change_rep_status(
            ctx, ref, values["status"], values.get("effective_on"), values.get("reason")))))


class ProductApi(CrmApi):
    """The product catalogue."""

    resource_name = "products"
    class_permission_name = "Products"

    @expose("/", methods=["GET"])
    @protect()
    @api_errors
    @openapi("List products", query=("q", "category"), paged=True, response=out.ProductOut)
    def get_list(self) -> Any:
        page, size = self.paging()
        return self.page_response(browse.search_products(
            crm_ctx(), q=_arg("q"), category=_arg("category"), page=page, per_page=size),
            ser.product)

    @expose("/<string:ref>", methods=["GET"])
    @protect()
    @api_errors
    @openapi("Get a product", path=("ref",), response=out.ProductOut)
    def get_one(self, ref: str) -> Any:
        return self.response(200, result=_json(ser.product(get_by_ref(crm_ctx(), Product,
                                                                      ref))))

    @expose("/", methods=["POST"])
    @protect()
    @api_errors
    @openapi("Create a product", body=ProductSchema, response=out.ProductOut)
    def post(self) -> Any:
        return self.response(201, result=_json(ser.product(create_product(
            crm_ctx(), self.json_body()))))

    @expose("/<string:ref>", methods=["PUT"])
    @protect()
    @api_errors
    @openapi("Update a product", path=("ref",), body=ProductSchema(partial=True),
             response=out.ProductOut)
    def put(self, ref: str) -> Any:
        return self.response(200, result=_json(ser.product(update_product(
            crm_ctx(), ref, self.json_body()))))


def _when(name: str) -> Any:
    raw = _arg(name)
    if raw is None:
        return None
    try:
        return AwareDateTime(tz=crm_ctx().tz).deserialize(raw)
    except Exception:  # marshmallow.ValidationError
        raise ValidationFailed({name: [_("Not a valid date-time, e.g. "
                                         "2026-03-01T10:30:00+08:00.")]}) from None


class OrderApi(CrmApi):
    """Orders with their lines and payments: record, pay, cancel."""

    resource_name = "orders"
    class_permission_name = "Orders"

    @expose("/", methods=["GET"])
    @protect()
    @api_errors
    @openapi("List orders", query={"q": "string", "status": _codes(OrderStatus),
                                   "payment_state": {"type": "string",
                                                     "enum": list(PAYMENT_STATES)},
                                   "customer_ref": "string",
                                   "rep_ref": "string", "since": "date-time",
                                   "until": "date-time"}, paged=True, response=out.OrderOut)
    def get_list(self) -> Any:
        ctx = crm_ctx()
        page, size = self.paging()
        customer_id = get_by_ref(ctx, Customer, _arg("customer_ref")).id \
            if _arg("customer_ref") else None
        return self.page_response(browse.search_orders(
            ctx, q=_arg("q"), status=_arg("status"), customer_id=customer_id,
            payment_state=_arg("payment_state"),
            rep_ref=_arg("rep_ref"), since=_when("since"), until=_when("until"), page=page,
            per_page=size), ser.order)

    @expose("/<string:ref>", methods=["GET"])
    @protect()
    @api_errors
    @openapi("Get an order with its lines and payments", path=("ref",), response=out.OrderOut)
    def get_one(self, ref: str) -> Any:
        return self.response(200, result=_json(ser.order(get_by_ref(crm_ctx(), Order, ref))))

    @expose("/", methods=["POST"])
    @protect()
    @api_errors
    @openapi("Record an order (fires crm_order_paid when paid)", body=OrderSchema,
             response=out.OrderOut)
    def post(self) -> Any:
        ctx = crm_ctx()
        body = self.json_body()  # a rep's other customers are not found (the row policy)
        return self.response(201, result=_json(ser.order(create_order(ctx, body))))

    @expose("/<string:ref>/pay", methods=["POST"])
    @protect()
    @api_errors
    @openapi("Mark a pending order paid (optional body: the payments)", path=("ref",),
             body=PayOrderSchema, body_required=False, status=200, response=out.OrderOut)
    def pay(self, ref: str) -> Any:
        ctx = crm_ctx()
        body = self.json_body() if request.get_data() else {}
        return self.response(200, result=_json(ser.order(pay_order(
            ctx, ref, payments=body.get("payments")))))

    @expose("/<string:ref>/payments", methods=["POST"])
    @protect()
    @api_errors
    @openapi("Record a payment on a pending order: a deposit, an instalment or the balance "
             "(at most the balance due; the order becomes paid, firing crm_order_paid, "
             "when its payments reach the total)", path=("ref",),
             body=RecordPaymentSchema, status=200, response=out.OrderOut)
    def record_payment(self, ref: str) -> Any:
        return self.response(200, result=_json(ser.order(record_payment(
            crm_ctx(), ref, self.json_body()))))

    @expose("/<string:ref>/cancel", methods=["POST"])
    @protect()
    @api_errors
    @openapi("Cancel an order (a deposit on it is then due back: refund-deposit)",
             path=("ref",), response=out.OrderOut)
    def cancel(self, ref: str) -> Any:
        return self.response(200, result=_json(ser.order(cancel_order(crm_ctx(), ref))))

    @expose("/<string:ref>/refund-deposit", methods=["POST"])
    @protect()
    @api_errors
    @openapi("Record that the deposit of an order cancelled before it was paid was given "
             "back (optional body: refunded_at, reference)", path=("ref",),
             body=RefundDepositSchema, body_required=False, status=200,
             response=out.OrderOut)
    def refund_deposit(self, ref: str) -> Any:
        body = self.json_body() if request.get_data() else {}
        return self.response(200, result=_json(ser.order(refund_deposit(
            crm_ctx(), ref, body))))


class ReturnApi(CrmApi):
    """Returns and refunds."""

    resource_name = "returns"
    class_permission_name = "Returns"

    @expose("/", methods=["GET"])
    @protect()
    @api_errors
    @openapi("List returns and refunds", query={"q": "string", "refunded": "boolean"},
             paged=True, response=out.ReturnOut)
    def get_list(self) -> Any:
        page, size = self.paging()
        refunded = {"true": True, "false": False}.get((_arg("refunded") or "").lower())
        return self.page_response(browse.search_returns(
            crm_ctx(), q=_arg("q"), refunded=refunded, page=page, per_page=size), ser.return_)

    @expose("/", methods=["POST"])
    @protect()
    @api_errors
    @openapi("Record a return; with refunded_at it is refunded (fires crm_order_refunded)",
             body=ReturnSchema, response=out.ReturnOut)
    def post(self) -> Any:
        ctx = crm_ctx()
        body = self.json_body()
        if body.get("order_ref"):
            get_by_ref(ctx, Order, str(body["order_ref"]))  # a rep: their own orders only
        return self.response(201, result=_json(ser.return_(create_return(ctx, body))))

    @expose("/<string:ref>/refund", methods=["POST"])
    @protect()
    @api_errors
    @openapi("Refund a recorded return (fires crm_order_refunded)", path=("ref",),
             response=out.ReturnOut)
    def refund(self, ref: str) -> Any:
        ctx = crm_ctx()
        ret = ctx.session.scalar(browse.scoped_returns(ctx).where(Return.return_ref == ref))
        if ret is None:
            from core.errors import NotFound

            raise NotFound(_("No return with reference %(ref)s.", ref=ref))
        return self.response(200, result=_json(ser.return_(refund_return(ctx, ref))))


class InteractionApi(CrmApi):
    """Interactions with customers (visits, calls, messages, notes)."""

    resource_name = "interactions"
    class_permission_name = "Interactions"

    @expose("/", methods=["GET"])
    @protect()
    @api_errors
    @openapi("List interactions", query={"q": "string", "kind": _codes(InteractionKind),
                                       "customer_ref": "string"}, paged=True,
             response=out.InteractionOut)
    def get_list(self) -> Any:
        ctx = crm_ctx()
        page, size = self.paging()
        customer_id = get_by_ref(ctx, Customer, _arg("customer_ref")).id \
            if _arg("customer_ref") else None
        return self.page_response(browse.search_interactions(
            ctx, q=_arg("q"), kind=_arg("kind"), customer_id=customer_id, page=page,
            per_page=size), items=ser.interactions)

    @expose("/", methods=["POST"])
    @protect()
    @api_errors
    @openapi("Log an interaction", body=InteractionSchema, response=out.InteractionOut)
    def post(self) -> Any:
        ctx = crm_ctx()
        return self.response(201, result=_json(ser.interactions([create_interaction(
            ctx, as_own_rep(ctx, self.json_body()))])[0]))


class TaskApi(CrmApi):
    """Follow-up tasks."""

    resource_name = "tasks"
    class_permission_name = "Tasks"

    @expose("/", methods=["GET"])
    @protect()
    @api_errors
    @openapi("List tasks", query={"q": "string", "status": _codes(TaskStatus), "overdue": "boolean",
                                 "rep_ref": "string"}, paged=True, response=out.TaskOut)
    def get_list(self) -> Any:
        page, size = self.paging()
        return self.page_response(browse.search_tasks(
            crm_ctx(), q=_arg("q"), status=_arg("status"),
            overdue=_arg("overdue") in ("1", "true"), rep_ref=_arg("rep_ref"), page=page,
            per_page=size), items=ser.tasks)

    @expose("/", methods=["POST"])
    @protect()
    @api_errors
    @openapi("Create a task", body=TaskSchema, response=out.TaskOut)
    def post(self) -> Any:
        ctx = crm_ctx()
        return self.response(201, result=_json(ser.tasks([create_task(
            ctx, as_own_rep(ctx, self.json_body()))])[0]))

    @expose("/<int:pk>/complete", methods=["POST"])
    @protect()
    @api_errors
    @openapi("Mark a task done", path={"pk": "integer"}, response=out.TaskOut)
    def complete(self, pk: int) -> Any:
        return self.response(200, result=_json(ser.tasks([complete_task(crm_ctx(), pk)])[0]))


def _json(data: dict[str, Any]) -> dict[str, Any]:
    from core.web.api.base import jsonable

    return jsonable(data)


API_CLASSES = (CustomerApi, RepApi, ProductApi, OrderApi, ReturnApi, InteractionApi, TaskApi)
