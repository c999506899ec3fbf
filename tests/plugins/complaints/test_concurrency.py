"""Several PROCESSES open tickets for one brand at once: every ticket gets its own number,
none fails (SQLite: BEGIN IMMEDIATE; PostgreSQL: an advisory lock per brand)."""

from __future__ import annotations

import multiprocessing
import os

from sqlalchemy import select

from core.context import Ctx
from core.db import make_engine, make_sessionmaker
from core.plugins import default_registry
from core.services.brands import get_brand
from plugins.complaints import services
from plugins.complaints.models import Ticket
from tests.plugins.complaints.helpers import setup_brand

WORKERS = 4
PER_WORKER = 5


def _opener(url: str, worker: int, barrier, queue) -> None:  # pragma: no cover - child
    refs: list[str] = []
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
                refs.append(services.open_ticket(ctx, {
                    "caller_name": f"w{worker}-{i}", "channel": "phone",
                    "category": "billing", "summary": "并发"}).ref)
            except Exception as exc:  # noqa: BLE001 - reported to the parent
                errors.append(repr(exc))
            finally:
                session.close()
        engine.dispose()
    except Exception as exc:  # noqa: BLE001
        errors.append(repr(exc))
    queue.put((refs, errors))
    queue.close()
    queue.join_thread()
    os._exit(0)  # skip finalizers of the connections inherited from the parent


def test_concurrent_intake_numbers_every_ticket_once(ctx_a, enable, engine, database_url):
    setup_brand(ctx_a, enable, business=False)
    ctx_a.session.close()
    engine.dispose()  # no pooled connection may be shared with the children
    mp = multiprocessing.get_context("fork")
    barrier, queue = mp.Barrier(WORKERS), mp.Queue()
    procs = [mp.Process(target=_opener, args=(database_url, w, barrier, queue))
             for w in range(WORKERS)]
    for p in procs:
        p.start()
    results = [queue.get(timeout=180) for _ in procs]
    for p in procs:
        p.join(timeout=60)
    assert [e for _r, errs in results for e in errs] == []
    refs = sorted(r for refs, _e in results for r in refs)
    # 4 x 5 = 20 tickets numbered CPL-000001 to CPL-000020, each once
    assert refs == [f"CPL-{n:06d}" for n in range(1, WORKERS * PER_WORKER + 1)]
    stored = sorted(ctx_a.session.scalars(select(Ticket.ref)))
    assert stored == refs
