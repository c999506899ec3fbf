"""Helpers for import tests: write CSV files, a recorder module, a registry with it."""

from __future__ import annotations

import csv
from collections.abc import Iterable, Sequence
from pathlib import Path

from core.hookspecs import hookimpl
from core.plugins import ModuleRegistry, manifest_from_dict

REP_HEADER = ["rep_ref", "name", "phone", "province", "status", "joined_on", "sponsor_ref",
              "certificate_no", "certificate_valid_from", "certificate_valid_until"]
CUSTOMER_HEADER = ["customer_ref", "name", "phone", "wechat_id", "email", "rep_ref", "tags",
                   "birthday", "source_channel"]
PRODUCT_HEADER = ["sku", "name", "category", "list_price", "replenish_days"]
ORDER_HEADER = ["order_ref", "customer_ref", "rep_ref", "ordered_at", "sku", "quantity",
                "unit_price", "status", "channel", "region"]
RETURN_HEADER = ["return_ref", "order_ref", "sku", "quantity", "amount", "requested_at",
                 "refunded_at"]


def write_csv(path: Path, header: Sequence[str], rows: Iterable[Sequence[object]],
              bom: bool = False) -> Path:
    """Write a UTF-8 CSV file (optionally with a BOM, as Excel saves it)."""
    with open(path, "w", encoding="utf-8-sig" if bom else "utf-8", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(header)
        writer.writerows(rows)
    return path


def read_csv(path: Path) -> list[dict[str, str]]:
    with open(path, encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


class Recorder:
    """A test module recording every batch of events it receives, per brand."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, str, int]] = []  # (hook, brand, batch size)
        self.paid: list[str] = []
        self.cancelled: list[str] = []
        self.refunded: list[tuple[str, object, tuple]] = []
        self.created: list[str] = []
        self.rep_changes: list[tuple[str, str]] = []

    @hookimpl
    def crm_order_paid(self, ctx, orders):
        self.calls.append(("paid", ctx.brand.code, len(orders)))
        self.paid.extend(o.order_ref for o in orders)

    @hookimpl
    def crm_order_cancelled(self, ctx, orders):
        self.calls.append(("cancelled", ctx.brand.code, len(orders)))
        self.cancelled.extend(o.order_ref for o in orders)

    @hookimpl
    def crm_order_refunded(self, ctx, refunds):
        self.calls.append(("refunded", ctx.brand.code, len(refunds)))
        self.refunded.extend((r.return_ref, r.amount, r.lines) for r in refunds)

    @hookimpl
    def crm_customer_created(self, ctx, customers):
        self.calls.append(("created", ctx.brand.code, len(customers)))
        self.created.extend(c.customer_ref for c in customers)

    @hookimpl
    def crm_rep_status_changed(self, ctx, changes):
        self.calls.append(("rep_status", ctx.brand.code, len(changes)))
        self.rep_changes.extend((c.rep_ref, c.new_status) for c in changes)

    def hook_calls(self, hook: str) -> list[int]:
        return [n for h, _b, n in self.calls if h == hook]


def registry_with_recorder(recorder: object, *others: tuple[dict, object]) -> ModuleRegistry:
    """The installed modules (loyalty, compliance...) plus a ``recorder`` module."""
    reg = ModuleRegistry().discover()
    reg.register_all([(manifest_from_dict({"name": "recorder", "version": "1"}), recorder),
                      *[(manifest_from_dict(m), impl) for m, impl in others]])
    return reg
