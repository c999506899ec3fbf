"""Read-side queries for the admin screens and the REST API: search, filters, pages.

Every query starts from :func:`core.services.scoping.scoped` (the acting brand, and for a
rep their own customers and orders); rows a rep cannot see are filtered the same way for
returns, interactions and tasks.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from sqlalchemy import Select, and_, func, or_, select
from sqlalchemy.orm import selectinload

from core.context import Ctx
from core.crypto import phone_hash
from core.models import (
    Customer,
    CustomerTag,
    Interaction,
    InteractionKind,
    LifecycleStage,
    Order,
    OrderStatus,
    Product,
    Rep,
    RepStatus,
    Return,
    Task,
    TaskStatus,
)
from core.services.payments import PAYMENT_STATES, paid_cents_sql
from core.services.scoping import scoped

T = TypeVar("T")
MAX_PER_PAGE = 100


@dataclass
class Page(Generic[T]):
    """One page of results with the total count."""

    items: list[T]
    total: int
    page: int
    per_page: int

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.per_page))


def paginate(ctx: Ctx, stmt: Select[Any], page: int = 1, per_page: int = 25,
             one_pass: bool = False) -> Page[Any]:
    """Run ``stmt`` for one page (1-based) and count all its rows.

    ``one_pass`` counts with a window function in the page's own query: for a filter that
    no index serves (a substring search), one scan instead of two. Without it the count is
    a separate query, which is cheaper when an index gives the page in order.
    """
    page = max(1, int(page or 1))
    per_page = min(MAX_PER_PAGE, max(1, int(per_page or 25)))
    window = stmt.limit(per_page).offset((page - 1) * per_page)
    if one_pass:
        rows = ctx.session.execute(window.add_columns(func.count().over())).all()
        items = [row[0] for row in rows]
        if rows:
            return Page(items=items, total=int(rows[0][-1]), page=page, per_page=per_page)
        if page == 1:
            return Page(items=[], total=0, page=page, per_page=per_page)
    total = ctx.session.scalar(select(func.count()).select_from(stmt.order_by(None).subquery()))
    items = [] if one_pass else list(ctx.session.scalars(window))
    return Page(items=items, total=int(total or 0), page=page, per_page=per_page)


def _like(text: str) -> str:
    return "%" + text.replace("%", r"\%").replace("_", r"\_") + "%"


def _rep_id(ctx: Ctx, rep_ref: str | None) -> int | None:
    if not rep_ref:
        return None
    return ctx.session.scalar(select(Rep.id).where(Rep.brand_id == ctx.brand_id,
                                                   Rep.rep_ref == rep_ref)) or -1


#: The columns each list may be sorted by (``sort=name``, ``sort=-name`` descending).
SORTS: dict[str, dict[str, Any]] = {
    "customers": {"name": Customer.name, "ref": Customer.customer_ref,
                  "stage": Customer.lifecycle_stage, "since": Customer.created_at},
    "reps": {"ref": Rep.rep_ref, "name": Rep.name, "status": Rep.status,
             "joined": Rep.joined_on, "certificate": Rep.certificate_valid_until},
    "products": {"sku": Product.sku, "name": Product.name, "category": Product.category,
                 "price": Product.list_price},
    "orders": {"ref": Order.order_ref, "date": Order.ordered_at, "status": Order.status,
               "total": Order.total_amount},
    "tasks": {"title": Task.title, "due": Task.due_at, "status": Task.status},
    "returns": {"ref": Return.return_ref, "requested": Return.requested_at,
                "refunded": Return.refunded_at, "amount": Return.amount},
    "interactions": {"when": Interaction.occurred_at, "kind": Interaction.kind,
                     "by": Interaction.created_by},
}


def sorted_by(stmt: Select[Any], kind: str, sort: str | None, default: Sequence[Any],
              tiebreak: Any) -> Select[Any]:
    """``stmt`` ordered by the ``sort`` the user chose (a key of :data:`SORTS`, ``-``
    first for descending; ties broken by ``tiebreak``), else by ``default``. An unknown
    key is ignored, never an error: it comes from an address anyone can edit."""
    descending = bool(sort) and sort.startswith("-")  # type: ignore[union-attr]
    column = SORTS[kind].get((sort or "").lstrip("-"))
    if column is None:
        return stmt.order_by(*default)
    return stmt.order_by(column.desc() if descending else column.asc(),
                         tiebreak.desc() if descending else tiebreak.asc())


def search_customers(ctx: Ctx, q: str | None = None, stage: str | None = None,
                     rep_ref: str | None = None, tag: str | None = None, page: int = 1,
                     per_page: int = 25, sort: str | None = None) -> Page[Customer]:
    """Live customers by part of their name, ref or e-mail (any case) or their exact phone;
    filter by stage, rep, tag. Rep and tags come loaded (lists show them)."""
    stmt = (scoped(ctx, Customer).where(Customer.merged_into_id.is_(None))
            .options(selectinload(Customer.rep), selectinload(Customer.tags)))
    if q:
        # lower() on both sides by the same database, so case folds the same way
        conds = [Customer.search_text.like(func.lower(_like(q)), escape="\\")]
        if sum(ch.isdigit() for ch in q) >= 5:
            conds.append(Customer.phone_hash == phone_hash(q))
        stmt = stmt.where(or_(*conds))
    if stage and stage in LifecycleStage._value2member_map_:
        stmt = stmt.where(Customer.lifecycle_stage == LifecycleStage(stage))
    if rep_ref:
        stmt = stmt.where(Customer.rep_id == _rep_id(ctx, rep_ref))
    if tag:
        stmt = stmt.where(Customer.id.in_(select(CustomerTag.customer_id).where(
            CustomerTag.brand_id == ctx.brand_id, CustomerTag.tag == tag)))
    return paginate(ctx, sorted_by(stmt, "customers", sort,
                                   (Customer.created_at.desc(), Customer.id.desc()),
                                   Customer.id),
                    page, per_page, one_pass=bool(q))


def search_reps(ctx: Ctx, q: str | None = None, status: str | None = None, page: int = 1,
                per_page: int = 25, sort: str | None = None) -> Page[Rep]:
    """Reps by name or ref, filtered by status."""
    stmt = scoped(ctx, Rep)
    if q:
        stmt = stmt.where(or_(Rep.name.ilike(_like(q), escape="\\"),
                              Rep.rep_ref.ilike(_like(q), escape="\\")))
    if status and status in RepStatus._value2member_map_:
        stmt = stmt.where(Rep.status == RepStatus(status))
    return paginate(ctx, sorted_by(stmt, "reps", sort, (Rep.rep_ref,), Rep.id), page,
                    per_page)


def search_products(ctx: Ctx, q: str | None = None, category: str | None = None,
                    page: int = 1, per_page: int = 25, sort: str | None = None
                    ) -> Page[Product]:
    """Products by name or sku, filtered by category."""
    stmt = scoped(ctx, Product)
    if q:
        stmt = stmt.where(or_(Product.name.ilike(_like(q), escape="\\"),
                              Product.sku.ilike(_like(q), escape="\\")))
    if category:
        stmt = stmt.where(Product.category == category)
    return paginate(ctx, sorted_by(stmt, "products", sort, (Product.sku,), Product.id), page,
                    per_page)


def product_categories(ctx: Ctx) -> list[str]:
    """The brand's product categories, sorted."""
    return sorted(ctx.session.scalars(select(Product.category).distinct().where(
        Product.brand_id == ctx.brand_id)))


def search_orders(ctx: Ctx, q: str | None = None, status: str | None = None,
                  customer_id: int | None = None, rep_ref: str | None = None,
                  since: dt.datetime | None = None, until: dt.datetime | None = None,
                  page: int = 1, per_page: int = 25, sort: str | None = None,
                  payment_state: str | None = None) -> Page[Order]:
    """Orders by ref, filtered by status, payment state (``partly_paid``: pending with a
    deposit; ``refund_due``: cancelled with a deposit to give back; see
    :func:`core.services.payments.payment_state`), customer, rep and time range."""
    stmt = scoped(ctx, Order)
    if q:
        stmt = stmt.where(Order.order_ref.ilike(_like(q), escape="\\"))
    if status and status in OrderStatus._value2member_map_:
        stmt = stmt.where(Order.status == OrderStatus(status))
    if payment_state in PAYMENT_STATES:
        paid = paid_cents_sql()
        stmt = stmt.where({
            "pending": and_(Order.status == OrderStatus.PENDING, paid == 0),
            "partly_paid": and_(Order.status == OrderStatus.PENDING, paid > 0),
            "paid": Order.status == OrderStatus.PAID,
            "refund_due": and_(Order.status == OrderStatus.CANCELLED,
                               Order.paid_at.is_(None), paid > 0),
            "cancelled": and_(Order.status == OrderStatus.CANCELLED, or_(
                Order.paid_at.is_not(None), paid <= 0)),
        }[payment_state])
    if customer_id is not None:
        stmt = stmt.where(Order.customer_id == customer_id)
    if rep_ref:
        stmt = stmt.where(Order.rep_id == _rep_id(ctx, rep_ref))
    if since is not None:
        stmt = stmt.where(Order.ordered_at >= since)
    if until is not None:
        stmt = stmt.where(Order.ordered_at < until)
    return paginate(ctx, sorted_by(stmt, "orders", sort,
                                   (Order.ordered_at.desc(), Order.id.desc()), Order.id),
                    page, per_page)


def scoped_returns(ctx: Ctx) -> Select[tuple[Return]]:
    """Returns of the brand (a rep: returns of their own orders)."""
    return scoped(ctx, Return)


def search_returns(ctx: Ctx, q: str | None = None, refunded: bool | None = None,
                   page: int = 1, per_page: int = 25, sort: str | None = None
                   ) -> Page[Return]:
    """Returns by ref, filtered by refunded or not."""
    stmt = scoped_returns(ctx).options(
        selectinload(Return.order).selectinload(Order.customer))
    if q:
        stmt = stmt.where(Return.return_ref.ilike(_like(q), escape="\\"))
    if refunded is True:
        stmt = stmt.where(Return.refunded_at.is_not(None))
    elif refunded is False:
        stmt = stmt.where(Return.refunded_at.is_(None))
    return paginate(ctx, sorted_by(stmt, "returns", sort,
                                   (Return.requested_at.desc(), Return.id.desc()), Return.id),
                    page, per_page)


def _visible_customers(ctx: Ctx) -> Select[Any]:
    return scoped(ctx, Customer).with_only_columns(Customer.id)


def scoped_interactions(ctx: Ctx) -> Select[tuple[Interaction]]:
    """Interactions of the brand (a rep: with their own customers)."""
    return scoped(ctx, Interaction)


def search_interactions(ctx: Ctx, q: str | None = None, kind: str | None = None,
                        customer_id: int | None = None, page: int = 1, per_page: int = 25,
                        sort: str | None = None) -> Page[Interaction]:
    """Interactions by summary text, filtered by kind and customer."""
    stmt = scoped_interactions(ctx)
    if q:
        stmt = stmt.where(Interaction.summary.ilike(_like(q), escape="\\"))
    if kind and kind in InteractionKind._value2member_map_:
        stmt = stmt.where(Interaction.kind == InteractionKind(kind))
    if customer_id is not None:
        stmt = stmt.where(Interaction.customer_id == customer_id)
    return paginate(ctx, sorted_by(stmt, "interactions", sort,
                                   (Interaction.occurred_at.desc(), Interaction.id.desc()),
                                   Interaction.id),
                    page, per_page)


def scoped_tasks(ctx: Ctx) -> Select[tuple[Task]]:
    """Tasks of the brand (a rep: their own)."""
    return scoped(ctx, Task)


def search_tasks(ctx: Ctx, q: str | None = None, status: str | None = None,
                 overdue: bool = False, rep_ref: str | None = None,
                 customer_id: int | None = None, page: int = 1, per_page: int = 25,
                 sort: str | None = None) -> Page[Task]:
    """Tasks by title, filtered by status, overdue, rep and customer; soonest due first."""
    stmt = scoped_tasks(ctx)
    if q:
        stmt = stmt.where(Task.title.ilike(_like(q), escape="\\"))
    if status and status in TaskStatus._value2member_map_:
        stmt = stmt.where(Task.status == TaskStatus(status))
    if overdue:
        stmt = stmt.where(Task.status == TaskStatus.OPEN, Task.due_at < ctx.now())
    if rep_ref:
        stmt = stmt.where(Task.rep_id == _rep_id(ctx, rep_ref))
    if customer_id is not None:
        stmt = stmt.where(Task.customer_id == customer_id)
    return paginate(ctx, sorted_by(stmt, "tasks", sort, (Task.due_at, Task.id), Task.id),
                    page, per_page)


def get_scoped(ctx: Ctx, stmt: Select[tuple[T]], model: Any, record_id: int) -> T:
    """One row of a scoped select by id, or NotFound (another brand's row included)."""
    from core.errors import NotFound
    from core.i18n import _

    row = ctx.session.scalar(stmt.where(model.id == record_id))
    if row is None:
        raise NotFound(_("No %(kind)s with id %(id)s.", kind=model.__tablename__, id=record_id))
    return row
