"""Reps: one CSV row per rep; ``sponsor_ref`` may name a rep of the brand or an earlier row."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import select, update

from core.bulk import insert_many, insert_returning_ids
from core.crypto import phone_hash
from core.i18n import N_, _
from core.importing.base import Kind, Unit
from core.labels import register_stored_texts
from core.models import Rep, RepStatus, RepStatusChange
from core.schemas import RepSchema
from core.services.payloads import rep_status_changed

# The reason written on imported status changes, shown in the reader's language.
register_stored_texts((N_("Imported"),))


class RepsKind(Kind):
    name = "reps"
    schema = RepSchema
    key_column = "rep_ref"

    def begin(self) -> None:
        self.reps: dict[str, int] = dict(self.ctx.session.execute(
            select(Rep.rep_ref, Rep.id).where(Rep.brand_id == self.ctx.brand_id)).all())
        self.in_file: set[str] = set()

    def check(self, unit: Unit) -> None:
        if not self.check_single_row(unit):
            return
        row = unit.rows[0]
        v = row.values
        if v is None:
            return
        if unit.key in self.reps:
            if not unit.errors:
                unit.skip = True
            return
        sponsor = v.get("sponsor_ref")
        if sponsor and sponsor not in self.reps and sponsor not in self.in_file:
            unit.error(row, "sponsor_ref", _("No rep with rep_ref %(ref)s in this brand or "
                                             "on an earlier line.", ref=sponsor))
        if sponsor == v["rep_ref"]:
            unit.error(row, "sponsor_ref", _("A rep cannot sponsor themselves."))
        for start, end in (("joined_on", "left_on"),
                           ("certificate_valid_from", "certificate_valid_until")):
            if v.get(start) and v.get(end) and v[end] < v[start]:
                unit.error(row, end, _("Must not be before %(column)s.", column=start))
        if unit.errors:
            return
        self.in_file.add(v["rep_ref"])
        unit.payload = v

    def write(self, payloads: Sequence[dict[str, Any]]) -> None:
        ctx = self.ctx
        now, today = ctx.now(), ctx.local_today()
        brand_id = ctx.brand_id
        fields = ("name", "phone", "birth_date", "occupation", "province", "territory",
                  "joined_on", "left_on", "certificate_no", "certificate_valid_from",
                  "certificate_valid_until", "capacity")
        ids = insert_returning_ids(ctx, Rep.__table__, [{
            "brand_id": brand_id, "rep_ref": v["rep_ref"], "status": RepStatus(v["status"]),
            "phone_hash": phone_hash(v.get("phone")),
            "sponsor_id": self.reps.get(v.get("sponsor_ref") or ""),
            "user_id": None, "created_at": now, "updated_at": now,
            **{f: v.get(f) for f in fields}} for v in payloads])
        self.reps.update({v["rep_ref"]: rid for v, rid in zip(payloads, ids, strict=True)})
        # Sponsors that were in this same batch get their id now.
        batch_refs = {v["rep_ref"] for v in payloads}
        for v, rid in zip(payloads, ids, strict=True):
            sponsor = v.get("sponsor_ref")
            if sponsor and sponsor in batch_refs:
                ctx.session.execute(update(Rep.__table__).where(Rep.__table__.c.id == rid)
                                    .values(sponsor_id=self.reps[sponsor]))
        # The same history as a live creation: applicant first, then the imported status.
        changes, events = [], []
        for v, rid in zip(payloads, ids, strict=True):
            on = v.get("joined_on") or today
            changes.append({"brand_id": brand_id, "rep_id": rid, "old_status": None,
                            "new_status": RepStatus.APPLICANT, "effective_on": on,
                            "reason": None, "changed_at": now, "changed_by": ctx.user})
            target = RepStatus(v["status"])
            if target != RepStatus.APPLICANT:
                effective = v.get("left_on") if target == RepStatus.TERMINATED and \
                    v.get("left_on") else on
                changes.append({"brand_id": brand_id, "rep_id": rid,
                                "old_status": RepStatus.APPLICANT, "new_status": target,
                                "effective_on": effective, "reason": _("Imported"),
                                "changed_at": now, "changed_by": ctx.user})
                events.append(rep_status_changed(
                    rid, v["rep_ref"], RepStatus.APPLICANT, target, effective))
        insert_many(ctx, RepStatusChange.__table__, changes)
        self.result.count("reps", len(payloads))
        if events:
            ctx.hooks.crm_rep_status_changed(ctx=ctx, changes=events)
