"""Several PROCESSES redeem from one balance at once: no overspend, no lost update, and no
"database is locked" reaching the user (SQLite: BEGIN IMMEDIATE + busy timeout;
PostgreSQL: SELECT ... FOR UPDATE on the customer's account row)."""

from __future__ import annotations

import multiprocessing
import os

from sqlalchemy import func, select

from core.context import Ctx
from core.db import make_engine, make_sessionmaker
from core.plugins import default_registry
from core.services.brands import get_brand
from plugins.loyalty import services
from plugins.loyalty.ledger import InsufficientPoints
from plugins.loyalty.models import EntryKind, LoyaltyAllocation, LoyaltyEntry
from tests.plugins.loyalty.conftest import balance, pay

WORKERS = 4
PER_WORKER = 10


def _redeemer(url: str, worker: int, barrier, queue) -> None:  # pragma: no cover - child
    ok = short = 0
    errors: list[str] = []
    try:
        engine = make_engine(url)
        sessions = make_sessionmaker(engine)
        barrier.wait(timeout=60)
        for i in range(PER_WORKER):
            session = sessions()
            ctx = Ctx(session=session, brand=None, registry=default_registry(), user=f"w{worker}")
            try:
                ctx.brand = get_brand(ctx, "A")
                session.rollback()
                services.redeem_points(ctx, {"customer_ref": "C1", "points": 10,
                                             "redemption_ref": f"W{worker}-{i}"})
                ok += 1
            except InsufficientPoints:
                short += 1
            except Exception as exc:  # noqa: BLE001 - reported to the parent
                errors.append(repr(exc))
            finally:
                session.close()
        engine.dispose()
    except Exception as exc:  # noqa: BLE001
        errors.append(repr(exc))
    queue.put((ok, short, errors))
    queue.close()
    queue.join_thread()
    os._exit(0)  # skip finalizers of the connections inherited from the parent


def test_concurrent_redemptions_from_processes_never_overspend(loyal_a, engine, database_url):
    services.update_settings(loyal_a, {"min_redemption": 1})
    pay(loyal_a, "O1", "250.00")  # 250 points: room for exactly 25 redemptions of 10
    loyal_a.session.close()
    engine.dispose()  # no pooled connection may be shared with the children
    mp = multiprocessing.get_context("fork")
    barrier, queue = mp.Barrier(WORKERS), mp.Queue()
    procs = [mp.Process(target=_redeemer, args=(database_url, w, barrier, queue))
             for w in range(WORKERS)]
    for p in procs:
        p.start()
    results = [queue.get(timeout=180) for _ in procs]
    for p in procs:
        p.join(timeout=60)
    errors = [e for _ok, _short, errs in results for e in errs]
    assert errors == []  # in particular no "database is locked"
    succeeded = sum(ok for ok, _s, _e in results)
    refused = sum(short for _o, short, _e in results)
    # 40 requests of 10 points against 250: 25 succeed, 15 are refused
    assert (succeeded, refused) == (25, 15)
    assert balance(loyal_a) == 0
    redeemed = loyal_a.session.execute(
        select(func.count(), func.sum(LoyaltyEntry.points))
        .where(LoyaltyEntry.kind == EntryKind.REDEEM.value)).one()
    assert (redeemed[0], redeemed[1]) == (25, -250)  # no lost update, no double spend
    drawn = loyal_a.session.scalar(select(func.sum(LoyaltyAllocation.points)))
    assert drawn == 250  # the one lot was drawn exactly empty
