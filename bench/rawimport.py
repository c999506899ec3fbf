"""The import baseline: the csv module and the raw database driver, nothing else.

Reads the orders CSV, groups lines by order_ref, resolves refs with dicts loaded up front,
and writes the same rows the import writes (orders, order lines, one payment per paid
order) with ``sqlite3.executemany`` or psycopg ``COPY``. No validation, no hooks.
"""

from __future__ import annotations

import csv
import datetime as dt
import sqlite3
from collections.abc import Iterator
from decimal import Decimal
from itertools import groupby
from operator import itemgetter
from typing import Any
from zoneinfo import ZoneInfo

TZ = ZoneInfo("Asia/Shanghai")
BATCH = 5000  # orders per batch

ORDER_COLS = ("id", "brand_id", "order_ref", "customer_id", "rep_id", "ordered_at", "channel",
              "region", "status", "total_amount", "paid_at", "cancelled_at", "created_at")
LINE_COLS = ("brand_id", "order_id", "line_no", "product_id", "quantity", "unit_price", "amount")
PAYMENT_COLS = ("brand_id", "order_id", "method", "amount", "paid_at")


def _orders(path: str, refs: dict[str, dict[str, int]], brand_id: int, first_id: int,
            now: dt.datetime, sqlite: bool) -> Iterator[tuple[tuple, list[tuple], tuple | None]]:
    with open(path, encoding="utf-8", newline="") as fh:
        oid = first_id
        for ref, group in groupby(csv.DictReader(fh), key=itemgetter("order_ref")):
            lines = list(group)
            head = lines[0]
            at = dt.datetime.fromisoformat(head["ordered_at"]).replace(tzinfo=TZ).astimezone(dt.UTC)
            stamp: Any = at.replace(tzinfo=None) if sqlite else at
            rows = []
            total = Decimal("0.00")
            for n, line in enumerate(lines, 1):
                price = Decimal(line["unit_price"])
                amount = price * int(line["quantity"])
                total += amount
                rows.append((brand_id, oid, n, refs["sku"][line["sku"]], int(line["quantity"]),
                             str(price) if sqlite else price, str(amount) if sqlite else amount))
            paid = head["status"] == "paid"
            money: Any = str(total) if sqlite else total
            order = (oid, brand_id, ref, refs["customer"][head["customer_ref"]],
                     refs["rep"].get(head["rep_ref"]), stamp, head["channel"], head["region"],
                     head["status"], money, stamp if paid else None,
                     None if paid else stamp, now.replace(tzinfo=None) if sqlite else now)
            payment = (brand_id, oid, "unspecified", money, stamp) if paid else None
            yield order, rows, payment
            oid += 1


def _batches(it: Iterator[Any]) -> Iterator[list[Any]]:
    batch: list[Any] = []
    for item in it:
        batch.append(item)
        if len(batch) >= BATCH:
            yield batch
            batch = []
    if batch:
        yield batch


def _refs(cur: Any, brand_id: int) -> dict[str, dict[str, int]]:
    out = {}
    for key, sql in (("customer", "SELECT customer_ref, id FROM customers WHERE brand_id = %s"),
                     ("rep", "SELECT rep_ref, id FROM reps WHERE brand_id = %s"),
                     ("sku", "SELECT sku, id FROM products WHERE brand_id = %s")):
        cur.execute(sql if "%s" in sql and not isinstance(cur, sqlite3.Cursor)
                    else sql.replace("%s", "?"), (brand_id,))
        out[key] = dict(cur.fetchall())
    return out


def raw_import(url: str, path: str, brand: str) -> int:
    """Import ``path`` for brand code ``brand``; returns the number of lines written."""
    now = dt.datetime.now(dt.UTC)
    written = 0
    if url.startswith("sqlite"):
        con = sqlite3.connect(url.removeprefix("sqlite:///"), isolation_level=None)
        con.execute("PRAGMA journal_mode=WAL")
        con.execute("PRAGMA synchronous=NORMAL")
        cur = con.cursor()
        brand_id = cur.execute("SELECT id FROM brands WHERE code = ?", (brand,)).fetchone()[0]
        refs = _refs(cur, brand_id)
        first = (cur.execute("SELECT coalesce(max(id), 0) FROM orders").fetchone()[0]) + 1
        ins_o = f"INSERT INTO orders ({', '.join(ORDER_COLS)}) VALUES ({', '.join('?' * 13)})"
        ins_l = (f"INSERT INTO order_lines ({', '.join(LINE_COLS)}) "
                 f"VALUES ({', '.join('?' * 7)})")
        ins_p = f"INSERT INTO payments ({', '.join(PAYMENT_COLS)}) VALUES (?, ?, ?, ?, ?)"
        for batch in _batches(_orders(path, refs, brand_id, first, now, sqlite=True)):
            cur.execute("BEGIN IMMEDIATE")
            cur.executemany(ins_o, [o for o, _l, _p in batch])
            lines = [row for _o, ls, _p in batch for row in ls]
            cur.executemany(ins_l, lines)
            cur.executemany(ins_p, [p for _o, _l, p in batch if p])
            cur.execute("COMMIT")
            written += len(lines)
        con.close()
        return written
    import psycopg

    with psycopg.connect(url) as con, con.cursor() as cur:
        cur.execute("SELECT id FROM brands WHERE code = %s", (brand,))
        brand_id = cur.fetchone()[0]
        refs = _refs(cur, brand_id)
        cur.execute("SELECT coalesce(max(id), 0) FROM orders")
        first = cur.fetchone()[0] + 1
        for batch in _batches(_orders(path, refs, brand_id, first, now, sqlite=False)):
            with cur.copy(f"COPY orders ({', '.join(ORDER_COLS)}) FROM STDIN") as cp:
                for o, _l, _p in batch:
                    cp.write_row(o)
            with cur.copy(f"COPY order_lines ({', '.join(LINE_COLS)}) FROM STDIN") as cp:
                for _o, ls, _p in batch:
                    for row in ls:
                        cp.write_row(row)
                        written += 1
            with cur.copy(f"COPY payments ({', '.join(PAYMENT_COLS)}) FROM STDIN") as cp:
                for _o, _l, p in batch:
                    if p:
                        cp.write_row(p)
            con.commit()
        # COPY with explicit ids does not move the sequences; later inserts need them.
        for table in ("orders", "order_lines", "payments"):
            cur.execute(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                        f"(SELECT coalesce(max(id), 0) + 1 FROM {table}), false)")
        con.commit()
    return written
