"""Ending sessions and tokens: a logout or a password change makes every browser session
and every JWT (access and refresh) issued to the user before that moment invalid.

Flask's session cookie and the JWTs are self-contained, so the server keeps one moment
per user (``UserBrand.sessions_valid_after``) and compares each request's issue time with
it: the session's login time (stamped at login), the token's ``iat``.
"""

from __future__ import annotations

import datetime as dt
import time

from sqlalchemy import select
from sqlalchemy.orm import Session

from core.db import write_transaction
from core.users.models import UserBrand

SESSION_LOGIN_AT = "crm_login_at"


def revoke_sessions(session: Session, user_id: int) -> None:
    """Invalidate every session and token of ``user_id`` issued until now."""
    now = dt.datetime.now(dt.UTC)
    with write_transaction(session):
        row = session.scalar(select(UserBrand).where(UserBrand.user_id == user_id))
        if row is None:
            row = UserBrand(user_id=user_id, brand_id=None, created_at=now)
            session.add(row)
        row.sessions_valid_after = now


def valid_after(session: Session, user_id: int) -> float | None:
    """The moment (epoch seconds) before which the user's sessions and tokens are void."""
    moment = session.scalar(select(UserBrand.sessions_valid_after).where(
        UserBrand.user_id == user_id))
    session.rollback()  # a read only: end the transaction (SQLite locks, PG idle tx)
    return moment.timestamp() if moment is not None else None


def is_revoked(session: Session, user_id: int, issued_at: float | None) -> bool:
    """Whether something issued at ``issued_at`` (epoch seconds; None: unknown, i.e. a
    session from before this check existed) was revoked since."""
    after = valid_after(session, user_id)
    if after is None:
        return False
    return issued_at is None or issued_at < after


def stamp_login(flask_session: dict) -> None:
    """Remember when this browser session logged in."""
    flask_session[SESSION_LOGIN_AT] = time.time()
