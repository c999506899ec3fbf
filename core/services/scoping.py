"""Brand-scoped lookups shared by every service: another brand's row is 'not found'."""

from __future__ import annotations

from typing import Any, TypeVar

from sqlalchemy import ColumnElement, Select, select

from core.context import Ctx
from core.errors import NotFound, UnknownRef, ValidationFailed
from core.i18n import N_, _
from core.models import Customer, Interaction, Order, Product, Rep, Return, Task

T = TypeVar("T")

_REF_COLUMNS: dict[type, str] = {
    Customer: "customer_ref", Rep: "rep_ref", Product: "sku", Order: "order_ref",
}

# "Not found" in words a user knows (never a table name).
_MISSING: dict[type, str] = {
    Customer: N_("No customer with number %(ref)s."), Rep: N_("No rep with number %(ref)s."),
    Product: N_("No product with SKU %(ref)s."), Order: N_("No order with number %(ref)s."),
}


def missing_message(model: type[Any], ref: str) -> str:
    """"No customer with number C999." (translated) for a ref of ``model`` not found."""
    template = _MISSING.get(model)
    if template is None:
        return _("No %(kind)s with reference %(ref)s.", kind=model.__tablename__, ref=ref)
    return _(template, ref=ref)


def policy(ctx: Ctx, model: type[Any], *, write: bool = False) -> list[ColumnElement[bool]]:
    """The row policy: the conditions a row of ``model`` must meet for the acting user.

    Every row belongs to the acting brand. A rep user sees their own customers and the
    records hanging off them: their orders, returns of their orders, interactions with
    their customers, their tasks, their leads, and their own rep profile; ``write=True``
    narrows interactions to those the rep recorded (a colleague's note on a shared
    customer's history is read, not rewritten). Lookups
    (:func:`scoped`, :func:`get_by_id`, :func:`get_by_ref`) and every listing, figure and
    report ask this function instead of testing the rep scope themselves.
    """
    clauses: list[ColumnElement[bool]] = [model.brand_id == ctx.brand_id]
    rep = ctx.rep_scope_id
    if rep is None:
        return clauses
    from core.leads.models import Lead  # leads import the core models

    own_customers = select(Customer.id).where(Customer.brand_id == ctx.brand_id,
                                              Customer.rep_id == rep)
    own_orders = select(Order.id).where(Order.brand_id == ctx.brand_id, Order.rep_id == rep)
    rule: dict[type[Any], ColumnElement[bool]] = {
        Customer: Customer.rep_id == rep,
        Order: Order.rep_id == rep,
        Rep: Rep.id == rep,
        Task: Task.rep_id == rep,
        Lead: Lead.rep_id == rep,
        Interaction: Interaction.customer_id.in_(own_customers),
        Return: Return.order_id.in_(own_orders),
    }
    if model in rule:
        clauses.append(rule[model])
    if write and model is Interaction:
        clauses.append(Interaction.rep_id == rep)
    return clauses


def scoped(ctx: Ctx, model: type[T]) -> Select[tuple[T]]:
    """``SELECT`` of ``model`` limited by the row policy (:func:`policy`)."""
    return select(model).where(*policy(ctx, model))


def get_by_id(ctx: Ctx, model: type[T], record_id: int, *, write: bool = False) -> T:
    """The row with this id in the acting brand, or NotFound (also for an id no column
    can hold, such as 2^63 from a URL)."""
    if not 0 < record_id < 2**31:
        raise NotFound(_("No %(kind)s with id %(id)s.", kind=model.__tablename__,  # type: ignore[attr-defined]
                         id=record_id))
    row = ctx.session.scalar(select(model).where(  # type: ignore[attr-defined]
        *policy(ctx, model, write=write), model.id == record_id))  # type: ignore[attr-defined]
    if row is None:
        raise NotFound(_("No %(kind)s with id %(id)s.", kind=model.__tablename__, id=record_id))  # type: ignore[attr-defined]
    return row


def get_by_ref(ctx: Ctx, model: type[T], ref: str, *, lock: bool = False,
               field: str | None = None) -> T:
    """The row with this business reference (customer_ref, rep_ref, sku, order_ref).

    ``lock=True`` (inside a write) takes the row with ``SELECT ... FOR UPDATE`` and
    re-reads it, so a check of what is left (to pay, to return) holds until commit on
    PostgreSQL; SQLite's ``BEGIN IMMEDIATE`` already serialises writers.

    A ref read from the input (``field``, e.g. ``"rep_ref"`` of a body) that names nothing
    is a field error (:class:`ValidationFailed`, 422); a ref in the address is NotFound.
    """
    column = getattr(model, _REF_COLUMNS[model])
    if "\x00" in ref:  # no ref holds one, and PostgreSQL refuses it in a query
        ref = ref.replace("\x00", "")
        row = None
    else:
        stmt = scoped(ctx, model).where(column == ref)
        if lock:
            stmt = stmt.with_for_update().execution_options(populate_existing=True)
        row = ctx.session.scalar(stmt)
    if row is None:
        if field is not None:
            raise UnknownRef(field, missing_message(model, ref))
        raise NotFound(missing_message(model, ref))
    return row


def resolve_customer(ctx: Ctx, ref: str, *, field: str | None = None) -> Customer:
    """The customer a ref names for new records: the survivor when it was merged (a merged
    record's ref still resolves, see ``core.services.merge``). ``field``: as for
    :func:`get_by_ref`."""
    customer = get_by_ref(ctx, Customer, ref, field=field)
    if customer.merged_into_id is not None:
        return get_by_id(ctx, Customer, customer.merged_into_id)
    return customer


def resolve_customer_refs(ctx: Ctx, refs: set[str]) -> dict[str, int]:
    """``{ref: customer id}`` for new records, in bulk: a merged record's ref gives its
    survivor, a rep user gets only their own customers (refs left out are not found)."""
    out: dict[str, int] = {}
    ordered = sorted(r for r in refs if "\x00" not in r)
    for i in range(0, len(ordered), 900):
        stmt = (scoped(ctx, Customer).where(Customer.customer_ref.in_(ordered[i:i + 900]))
                .with_only_columns(Customer.customer_ref, Customer.id, Customer.merged_into_id))
        out.update({ref: merged or cid for ref, cid, merged in ctx.session.execute(stmt)})
    return out


def own_rep_only(ctx: Ctx, rep_id: int | None) -> None:
    """A rep user may credit records only to themselves: a ValidationFailed on ``rep_ref``
    otherwise (brand-wide roles credit any rep of the brand)."""
    if ctx.rep_scope_id is not None and rep_id != ctx.rep_scope_id:
        raise ValidationFailed({"rep_ref": [_("A rep can only credit records to themselves.")]})


def ref_map(ctx: Ctx, model: type[Any], refs: set[str] | None = None) -> dict[str, int]:
    """``{ref: id}`` for the acting brand, optionally limited to ``refs`` (bulk lookups)."""
    column = getattr(model, _REF_COLUMNS[model])
    stmt = select(column, model.id).where(model.brand_id == ctx.brand_id)
    if refs is not None:
        out: dict[str, int] = {}
        ordered = sorted(refs)
        for i in range(0, len(ordered), 900):
            chunk = ordered[i:i + 900]
            out.update({r: i for r, i in ctx.session.execute(stmt.where(column.in_(chunk)))})
        return out
    return {r: i for r, i in ctx.session.execute(stmt)}
