"""Process start-up: settings, keys, database engine, module registry."""

from __future__ import annotations

import weakref
from dataclasses import dataclass, field
from functools import cached_property

from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from core.config import Settings, load_settings
from core.context import Ctx
from core.crypto import defer_keyring
from core.db import make_engine, make_sessionmaker
from core.plugins import ModuleRegistry, default_registry
from core.services.brands import get_brand


@dataclass
class Runtime:
    """Everything a CLI command or the web app needs, created once per process."""

    settings: Settings
    registry: ModuleRegistry
    _sessions: weakref.WeakSet[Session] = field(default_factory=weakref.WeakSet, repr=False,
                                                compare=False)

    @cached_property
    def engine(self) -> Engine:
        # The embedded database lives in the instance folder, made when first opened.
        folder = self.settings.instance_path
        url = self.settings.database_url
        embedded = url == f"sqlite:///{folder / 'directcrm.db'}"
        return make_engine(url, make_folder=folder if embedded else None)

    @cached_property
    def sessionmaker(self) -> sessionmaker[Session]:
        return make_sessionmaker(self.engine)

    def ctx(self, brand_code: str | None = None, *, user: str = "system",
            locale: str | None = None) -> Ctx:
        """A fresh context with its own session, for a brand or installation-wide."""
        session = self.sessionmaker()
        self._sessions.add(session)
        ctx = Ctx(session=session, brand=None, user=user, locale=locale or "en",
                  registry=self.registry)
        if brand_code is not None:
            try:
                ctx.brand = get_brand(ctx, brand_code)
            except BaseException:
                session.close()  # an unknown brand must not leave a transaction open
                raise
            ctx.locale = locale or ctx.brand.default_locale
            session.rollback()  # end the read transaction; services open write ones
        return ctx

    def close_sessions(self) -> None:
        """Close every session ``ctx`` handed out that is still alive (end of a CLI command:
        a session left in a read transaction would block other connections' DDL)."""
        for session in list(self._sessions):
            session.close()


def start(settings: Settings | None = None) -> Runtime:
    """Load settings and keys, discover modules (``check_pending`` runs there)."""
    settings = settings or load_settings()
    defer_keyring(settings.instance_path)  # read (or generated) when first needed
    return Runtime(settings=settings, registry=default_registry())


def create_schema(engine: Engine) -> None:
    """Create every table of the core and the installed modules (used by tests).

    ``directcrm init`` uses Alembic migrations instead (``core.migrate``).
    """
    import core.all_models  # noqa: F401
    from core.db import Base

    default_registry()  # importing plugin modules registers their tables
    Base.metadata.create_all(engine)
