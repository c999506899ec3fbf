"""The context every service and hook receives: brand, session, clock, user, locale."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

import core.audit.listener  # noqa: F401  (every ORM write is audited)
from core.db import duplicate_key_columns, write_transaction
from core.errors import DomainError
from core.i18n import _
from core.models import Brand, BrandModule
from core.plugins import BrandHooks, ModuleRegistry, default_registry


def utcnow() -> dt.datetime:
    """The current time, timezone-aware UTC."""
    return dt.datetime.now(dt.UTC)


SYSTEM_USER = "system"


@dataclass
class Ctx:
    """What a service or hook needs to act for one brand.

    ``brand`` is None only for installation-wide calls (start-up contributions, brand
    creation). ``hooks`` reaches only the brand's enabled modules.
    """

    session: Session
    brand: Brand | None
    user: str = SYSTEM_USER
    locale: str = "en"
    clock: Callable[[], dt.datetime] = utcnow
    registry: ModuleRegistry = field(default_factory=default_registry)
    # A rep user sees only their own customers; None = the whole brand.
    rep_scope_id: int | None = None
    _enabled: frozenset[str] | None = field(default=None, repr=False)

    def __post_init__(self) -> None:
        self._identify()

    def _identify(self) -> None:
        """Tell the audit listener who acts, for which brand (``session.info``)."""
        self.session.info["user"] = self.user
        self.session.info["brand_id"] = self.brand.id if self.brand is not None else None

    @property
    def acts_as_rep(self) -> bool:
        """True for a rep user: the row policy shows them their own rows only (screens use
        this to offer brand-wide choices, such as the lead pool, to other roles only)."""
        return self.rep_scope_id is not None

    @property
    def brand_id(self) -> int:
        """The acting brand's id (fails for installation-wide contexts)."""
        if self.brand is None:
            raise RuntimeError("this operation needs a brand context")
        return self.brand.id

    def now(self) -> dt.datetime:
        """The current time (UTC, aware); tests and ``tick --now`` set the clock."""
        return self.clock()

    @property
    def tz(self) -> ZoneInfo:
        """The brand's timezone, for business rules computed in local time."""
        return ZoneInfo(self.brand.timezone if self.brand else "UTC")

    def local_today(self) -> dt.date:
        """Today's date in the brand's timezone."""
        return self.now().astimezone(self.tz).date()

    @property
    def enabled_modules(self) -> frozenset[str]:
        """Names of the modules this brand has enabled (read once, refreshed on change)."""
        if self._enabled is None:
            if self.brand is None:
                self._enabled = frozenset(self.registry.modules)
            else:
                rows = self.session.scalars(
                    select(BrandModule.module).where(BrandModule.brand_id == self.brand.id,
                                                     BrandModule.enabled.is_(True)))
                self._enabled = frozenset(r for r in rows if r in self.registry.modules)
        return self._enabled

    def refresh_modules(self) -> None:
        """Forget the cached module set (after enabling or disabling a module)."""
        self._enabled = None

    @property
    def hooks(self) -> BrandHooks:
        """Hook callers limited to the brand's enabled modules."""
        return self.registry.hooks_for(self.enabled_modules)

    @contextmanager
    def write(self) -> Iterator[Session]:
        """A write transaction (``BEGIN IMMEDIATE`` on SQLite), committed at the end."""
        previous = (self.session.info.get("user"), self.session.info.get("brand_id"))
        self._identify()
        try:
            with write_transaction(self.session) as session:
                yield session
        except IntegrityError as exc:
            # A unique key lost a race (two requests, one new ref): the same refusal
            # as the sequential duplicate, not a server error.
            fields = duplicate_key_columns(exc)
            if fields is None:
                raise
            raise DomainError(_("A record with the same %(fields)s already exists.",
                                fields=", ".join(fields)), code="duplicate") from exc
        finally:
            self.session.info["user"], self.session.info["brand_id"] = previous

    def at(self, moment: dt.datetime) -> Ctx:
        """This context with its clock stopped at ``moment`` (same session, brand and
        user): a decision about an event is taken at the event's own time."""
        return replace(self, clock=lambda: moment)

    def for_brand(self, brand: Brand) -> Ctx:
        """A context like this one, acting for another brand (super admin, CLI loops)."""
        return Ctx(session=self.session, brand=brand, user=self.user, locale=self.locale,
                   clock=self.clock, registry=self.registry)
