"""Customers: one CSV row per customer; ``tags`` separated by ``;``.

Phone and WeChat ID are encrypted (by the column type) with keyed hashes beside them. A
likely duplicate (same phone or WeChat ID as a customer of the brand or an earlier row) is
imported but listed as a warning, for a later merge.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import or_, select

from core.bulk import chunks, insert_many, insert_returning_ids
from core.crypto import lookup_hash, normalize_text, phone_hash
from core.i18n import _
from core.importing.base import Kind, Unit
from core.models import Customer, CustomerTag, Rep
from core.schemas import CustomerSchema
from core.services.payloads import customer_event


class CustomersKind(Kind):
    name = "customers"
    schema = CustomerSchema
    key_column = "customer_ref"

    def begin(self) -> None:
        self.reps: dict[str, int] = dict(self.ctx.session.execute(
            select(Rep.rep_ref, Rep.id).where(Rep.brand_id == self.ctx.brand_id)).all())
        # hash → (customer_ref, line) of the rows imported from this file so far.
        self.file_hashes: dict[str, tuple[str, int]] = {}

    def prepare(self, data: dict[str, Any]) -> dict[str, Any]:
        if isinstance(data.get("tags"), str):
            data["tags"] = [t.strip() for t in data["tags"].split(";") if t.strip()]
        return data

    def lookup(self, units: Sequence[Unit]) -> None:
        ctx = self.ctx
        refs = sorted({u.key for u in units if u.key})
        self.existing: set[str] = set()
        for chunk in chunks(refs):
            self.existing.update(ctx.session.scalars(select(Customer.customer_ref).where(
                Customer.brand_id == ctx.brand_id, Customer.customer_ref.in_(chunk))))
        hashes: set[str] = set()
        for unit in units:
            for row in unit.valid_rows():
                v = row.values
                assert v is not None
                v["phone_hash"] = phone_hash(v.get("phone"))
                v["wechat_hash"] = lookup_hash(normalize_text(v["wechat_id"])) \
                    if v.get("wechat_id") else None
                hashes.update(h for h in (v["phone_hash"], v["wechat_hash"]) if h)
        self.db_hashes: dict[str, str] = {}
        for chunk in chunks(sorted(hashes)):
            for ref, ph, wh in ctx.session.execute(
                    select(Customer.customer_ref, Customer.phone_hash, Customer.wechat_hash)
                    .where(Customer.brand_id == ctx.brand_id,
                           Customer.merged_into_id.is_(None),
                           or_(Customer.phone_hash.in_(chunk),
                               Customer.wechat_hash.in_(chunk)))):
                for h in (ph, wh):
                    if h in hashes:
                        self.db_hashes.setdefault(h, ref)

    def check(self, unit: Unit) -> None:
        if not self.check_single_row(unit):
            return
        row = unit.rows[0]
        v = row.values
        if v is None:
            return
        if unit.key in self.existing:
            if not unit.errors:
                unit.skip = True
            return
        if v.get("rep_ref") and v["rep_ref"] not in self.reps:
            unit.error(row, "rep_ref", _("No rep with rep_ref %(ref)s in this brand.",
                                         ref=v["rep_ref"]))
        if unit.errors:
            return
        for column, h in (("phone", v["phone_hash"]), ("wechat_id", v["wechat_hash"])):
            if not h:
                continue
            if h in self.db_hashes:
                self.warn(row.line, _(
                    "Customer %(ref)s has the same %(column)s as existing customer "
                    "%(other)s (likely duplicate; merge them if so).", ref=v["customer_ref"],
                    column=column, other=self.db_hashes[h]))
            elif h in self.file_hashes:
                other, line = self.file_hashes[h]
                self.warn(row.line, _(
                    "Customer %(ref)s has the same %(column)s as customer %(other)s on line "
                    "%(line)s (likely duplicate; merge them if so).", ref=v["customer_ref"],
                    column=column, other=other, line=line))
            else:
                self.file_hashes[h] = (v["customer_ref"], row.line)
        unit.payload = v

    def write(self, payloads: Sequence[dict[str, Any]]) -> None:
        ctx = self.ctx
        now = ctx.now()
        brand_id = ctx.brand_id
        ids = insert_returning_ids(ctx, Customer.__table__, [{
            "brand_id": brand_id, "customer_ref": v["customer_ref"], "name": v["name"],
            "phone": v.get("phone"), "phone_hash": v["phone_hash"], "email": v.get("email"),
            "wechat_id": v.get("wechat_id"), "wechat_hash": v["wechat_hash"],
            "birthday": v.get("birthday"), "source_channel": v.get("source_channel"),
            "rep_id": self.reps.get(v.get("rep_ref") or ""),
            "lifecycle_stage": "prospect", "merged_into_id": None,
            "created_at": now, "updated_at": now} for v in payloads])
        insert_many(ctx, CustomerTag.__table__, [
            {"brand_id": brand_id, "customer_id": cid, "tag": tag}
            for cid, v in zip(ids, payloads, strict=True)
            for tag in dict.fromkeys(v.get("tags") or [])])
        self.result.count("customers", len(payloads))
        ctx.hooks.crm_customer_created(ctx=ctx, customers=[customer_event(
            cid, v["customer_ref"], self.reps.get(v.get("rep_ref") or ""))
            for cid, v in zip(ids, payloads, strict=True)])
