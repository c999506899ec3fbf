"""Login limits shared by every worker: failed attempts are rows in the database, counted
per address and per account over sliding windows, for the form and the API login alike.

The form login and the API login both end in ``auth_user_db`` (which records each
attempt); a request from an address or for an account over its limit is refused before
the password is even checked, with 429 and ``Retry-After``.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from core.db import write_transaction
from core.users.models import LoginAttempt


@dataclass(frozen=True)
class Limit:
    """At most ``failures`` failed attempts within ``window``."""

    failures: int
    window: dt.timedelta


PER_ADDRESS = Limit(10, dt.timedelta(minutes=1))
PER_ACCOUNT = Limit(10, dt.timedelta(minutes=15))  # then the account waits (lockout)


def record_attempt(session: Session, username: str, address: str | None,
                   success: bool) -> None:
    """Store one login attempt (committed at once: a failed login must count)."""
    with write_transaction(session):
        session.add(LoginAttempt(at=dt.datetime.now(dt.UTC), username=username[:120],
                                 address=(address or "-")[:64], success=success))


def retry_after(session: Session, username: str | None, address: str | None,
                now: dt.datetime | None = None) -> int | None:
    """Seconds to wait before the next attempt, or None when one may try now."""
    now = now or dt.datetime.now(dt.UTC)
    waits = []
    for column, value, limit in ((LoginAttempt.address, address or "-", PER_ADDRESS),
                                 (LoginAttempt.username, username, PER_ACCOUNT)):
        if not value:
            continue
        since = now - limit.window
        failures = session.execute(
            select(func.count(), func.min(LoginAttempt.at))
            .where(column == value[:120], LoginAttempt.success.is_(False),
                   LoginAttempt.at >= since)).one()
        if failures[0] >= limit.failures:
            oldest = failures[1]
            oldest = oldest if oldest.tzinfo else oldest.replace(tzinfo=dt.UTC)
            waits.append(max(1, int((oldest + limit.window - now).total_seconds()) + 1))
    session.rollback()
    return max(waits) if waits else None
