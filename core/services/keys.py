"""Encryption key management: usage per key id and resumable key rotation.

Every ``EncryptedText`` column of every table in ``Base.metadata`` (core and modules) is
found by its type, so a module's sensitive field is rotated without registering it.

A rotation adds a key, makes it current and saves the keyring *before* touching any
value; then it re-encrypts, table by table, the values whose ``<key id>:`` prefix is not
the current key's, in batches of Core ``UPDATE``s, each batch committed on its own. An
interrupted run therefore loses nothing: the keyring still holds the old keys, and the
next ``keys rotate`` sees the unfinished rotation (more than one key in the ring),
resumes with the same current key, and retires the old keys only once no value uses them.

The lookup-hash key is never rotated: ``*_hash`` columns are for exact lookup and
de-duplication, they are HMACs (nothing to decrypt), and a new hash key would force
recomputing every hash from the plaintext in the same step; see docs/operations.md.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

from sqlalchemy import Column, Connection, Table, Text, bindparam, func, select, tuple_, type_coerce
from sqlalchemy.sql.elements import ColumnElement

from core import audit
from core.audit.listener import NO_AUDIT
from core.context import Ctx
from core.crypto import EncryptedText, Keyring, keyring, keyring_path, save_keyring
from core.db import Base
from core.errors import DomainError
from core.i18n import _


def encrypted_columns() -> list[tuple[Table, Column[str]]]:
    """Every ``EncryptedText`` column of the core's and the installed modules' tables."""
    import core.all_models  # noqa: F401
    from core.plugins import default_registry

    default_registry()  # importing plugin packages puts their tables in the metadata
    return [(table, column) for table in Base.metadata.sorted_tables
            for column in table.columns if isinstance(column.type, EncryptedText)]


def _raw(column: Column[str]) -> ColumnElement[str]:
    """The stored text (``<key id>:<token>``), bypassing decryption."""
    return type_coerce(column, Text)


def _key_id(raw: ColumnElement[str], dialect: str) -> ColumnElement[str]:
    if dialect == "postgresql":
        return func.split_part(raw, ":", 1)
    return func.substr(raw, 1, func.instr(raw, ":") - 1)


@dataclass
class KeyUsage:
    """How many stored values use each key id, in total and per ``table.column``."""

    current: str
    keys: list[str]
    totals: dict[str, int] = field(default_factory=dict)
    by_column: dict[str, dict[str, int]] = field(default_factory=dict)

    @property
    def pending(self) -> int:
        """Values not yet on the current key."""
        return sum(n for k, n in self.totals.items() if k != self.current)


def key_usage(ctx: Ctx) -> KeyUsage:
    """Count stored values per key id (``directcrm keys status``)."""
    ring = keyring()
    dialect = ctx.session.get_bind().dialect.name
    usage = KeyUsage(current=ring.current, keys=sorted(ring.keys))
    totals: dict[str, int] = defaultdict(int)
    for table, column in encrypted_columns():
        raw = _raw(column)
        kid = _key_id(raw, dialect)
        rows = ctx.session.execute(select(kid, func.count()).select_from(table)
                                   .where(column.isnot(None)).group_by(kid)).all()
        usage.by_column[f"{table.name}.{column.name}"] = {k: n for k, n in rows}
        for k, n in rows:
            totals[k] += n
    ctx.session.rollback()  # end the read transaction
    usage.totals = dict(totals)
    return usage


@dataclass
class RotationResult:
    """What a ``rotate_keys`` run did."""

    current: str
    started: bool  # False when an unfinished rotation was resumed
    reencrypted: int = 0
    batches: int = 0
    finished: bool = False
    retired: list[str] = field(default_factory=list)


def _reencrypt_batch(ctx: Ctx, ring: Keyring, table: Table, column: Column[str],
                     after: tuple[object, ...] | None, batch_size: int
                     ) -> tuple[int, tuple[object, ...] | None]:
    """Re-encrypt up to ``batch_size`` values of one column in one committed transaction.

    Returns the number of rows selected and the last primary key seen (keyset paging).
    """
    pk = list(table.primary_key.columns)
    raw = _raw(column)
    stmt = (select(*pk, raw).where(column.isnot(None))
            .where(~raw.startswith(ring.current + ":", autoescape=True)))
    if after is not None:
        stmt = stmt.where(tuple_(*pk) > tuple_(*after))
    with ctx.write() as session:
        rows = session.execute(stmt.order_by(*pk).limit(batch_size)).all()
        if not rows:
            return 0, after
        update = table.update().values({column.name: bindparam("_new", type_=Text)})
        for i, c in enumerate(pk):
            update = update.where(c == bindparam(f"_pk{i}"))
        # Only if nobody changed the value meanwhile (a concurrent write wins).
        update = update.where(raw == bindparam("_old", type_=Text))
        params = []
        for row in rows:
            old = row[-1]
            params.append({"_new": ring.encrypt(ring.decrypt(old)), "_old": old,
                           **{f"_pk{i}": row[i] for i in range(len(pk))}})
        # The rotation records one key_rotation entry itself, not one per batch.
        session.execute(update.execution_options(**{NO_AUDIT: False}), params)
    return len(rows), tuple(rows[-1][:-1])


def rotate_keys(ctx: Ctx, *, batch_size: int = 1000, max_batches: int | None = None
                ) -> RotationResult:
    """Rotate the encryption key, or resume an unfinished rotation (see module docstring).

    ``max_batches`` stops after that many batches (the run can be resumed); the old keys
    are retired and the key file rewritten only when every value uses the current key.
    """
    if batch_size < 1:
        raise DomainError(_("The batch size must be at least 1."), code="bad_batch_size")
    path = keyring_path()
    if path is None:
        raise DomainError(_("The keys come from the DIRECTCRM_KEYS variable, which directcrm "
                            "cannot rewrite: move them to a key file (DIRECTCRM_KEY_FILE) "
                            "to rotate them."), code="keys_not_writable")
    ring = keyring()
    started = len(ring.keys) == 1
    if started:
        ring.add_key()
        save_keyring(ring, path)  # before any value uses the new key
    result = RotationResult(current=ring.current, started=started)
    for table, column in encrypted_columns():
        after: tuple[object, ...] | None = None
        while max_batches is None or result.batches < max_batches:
            count, after = _reencrypt_batch(ctx, ring, table, column, after, batch_size)
            if count == 0:
                break
            result.batches += 1
            result.reencrypted += count
        else:
            break
    usage = key_usage(ctx)
    if usage.pending == 0:
        result.finished = True
        for key_id in sorted(ring.keys):
            if key_id != ring.current and not usage.totals.get(key_id):
                ring.retire(key_id)
                result.retired.append(key_id)
        save_keyring(ring, path)
    audit.record(ctx, "key_rotation", details={
        "current": ring.current, "started": started, "reencrypted": result.reencrypted,
        "finished": result.finished, "retired": result.retired})
    return result


def key_ids_in_use(conn: Connection) -> dict[str, str]:
    """Each key id that a stored value uses, with one such stored value (``<id>:<token>``),
    read on ``conn`` (inside its snapshot: a backup's own transaction)."""
    dialect = conn.dialect.name
    out: dict[str, str] = {}
    for table, column in encrypted_columns():
        raw = _raw(column)
        kid = _key_id(raw, dialect)
        for key_id, sample in conn.execute(select(kid, func.min(raw)).select_from(table)
                                           .where(column.isnot(None)).group_by(kid)):
            out.setdefault(key_id, sample)
    return out
