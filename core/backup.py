"""``directcrm backup`` and ``directcrm restore``: one file that restores, for SQLite and
PostgreSQL, checked against the encryption key ring.

A backup is a tar file holding ``manifest.json`` and the database:

- SQLite: ``database.sqlite``, made with SQLite's online backup API (a consistent copy
  while the server and the workers keep writing: WAL readers do not block writers);
- PostgreSQL: ``database.dump``, ``pg_dump --format=custom`` run on a snapshot exported by
  our own repeatable-read transaction (``pg_export_snapshot``), in which the manifest's
  row counts and key ids are read too, so they describe exactly what the dump holds.

The manifest records the row count of every table, the key ids that stored values use and
a fingerprint of each of those keys and of the lookup-hash key (SHA-256 of a label and
the key: it identifies a key without revealing it). ``restore`` refuses before writing
anything when the key ring it runs with lacks one of those keys or holds a different key
under the same id; after restoring it compares every table's row count with the manifest
and decrypts one stored value per key id. The key file itself is never in the backup: it
is backed up separately (docs/operations.md).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import json
import os
import shutil
import sqlite3
import subprocess
import tarfile
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, create_engine, inspect, text
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.exc import SQLAlchemyError

from core.crypto import Keyring, keyring
from core.db import make_engine
from core.errors import DomainError
from core.i18n import _

FORMAT = "directcrm-backup"
VERSION = 1
MANIFEST = "manifest.json"
SQLITE_MEMBER = "database.sqlite"
PG_MEMBER = "database.dump"
FILES_PREFIX = "files/"


class BackupError(DomainError):
    """A backup or a restore was refused or failed; nothing was changed."""

    code = "backup_error"


def fingerprint(key: bytes) -> str:
    """An identifier of a key that does not reveal it (16 hex digits)."""
    return hashlib.sha256(b"directcrm key fingerprint\0" + key).hexdigest()[:16]


@dataclass
class Manifest:
    """What a backup holds."""

    dialect: str
    created_at: str
    counts: dict[str, int]
    keys: dict[str, str]  # key id in use -> fingerprint
    hash_key: str
    revisions: list[str] = field(default_factory=list)
    files: int = 0  # encrypted attachments (core.files) in the backup
    format: str = FORMAT
    version: int = VERSION

    def to_json(self) -> bytes:
        return json.dumps(self.__dict__, indent=2, sort_keys=True).encode("utf-8")

    @classmethod
    def from_json(cls, data: bytes) -> Manifest:
        raw = json.loads(data)
        if raw.get("format") != FORMAT or raw.get("version") != VERSION:
            raise ValueError("not a directcrm backup")
        return cls(**raw)


@dataclass
class RestoreResult:
    """What ``restore`` did."""

    dialect: str
    tables: int
    rows: int
    created_at: str


# -- reading a database --------------------------------------------------------------

def _tables(conn: Connection) -> list[str]:
    return sorted(inspect(conn).get_table_names())


def _counts(conn: Connection) -> dict[str, int]:
    preparer = conn.dialect.identifier_preparer
    return {name: int(conn.execute(text(f"SELECT count(*) FROM {preparer.quote(name)}"))
                      .scalar_one()) for name in _tables(conn)}


def _revisions(conn: Connection) -> list[str]:
    if "alembic_version" not in _tables(conn):
        return []
    return sorted(conn.execute(text("SELECT version_num FROM alembic_version")).scalars())


def _describe(conn: Connection, ring: Keyring) -> Manifest:
    """Counts, migrations and keys of the database as ``conn`` sees it, and the encrypted
    files; refuses when a stored value or file uses a key id the ring does not hold (that
    backup could never be read)."""
    from core.services.keys import key_ids_in_use

    files = _attachments()
    used = {**{kid: "" for _, kid in files.values()}, **key_ids_in_use(conn)}
    missing = sorted(set(used) - set(ring.keys))
    if missing:
        raise BackupError(_("Stored values use keys that the key ring does not hold: "
                            "%(keys)s. Use the key file that belongs to this database.",
                            keys=", ".join(missing)), code="key_ring_mismatch")
    return Manifest(dialect=conn.dialect.name,
                    created_at=dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
                    counts=_counts(conn),
                    keys={k: fingerprint(ring.keys[k]) for k in sorted(used)},
                    hash_key=fingerprint(ring.hash_key), revisions=_revisions(conn),
                    files=len(files))


def _check_ring(manifest: Manifest, ring: Keyring) -> None:
    """Refuse when the ring cannot read what the backup holds."""
    wrong = [k for k, fp in manifest.keys.items()
             if k not in ring.keys or fingerprint(ring.keys[k]) != fp]
    if wrong:
        raise BackupError(_("The key ring does not match the backup: key %(keys)s is missing "
                            "or different. Restore with the key file saved with this backup.",
                            keys=", ".join(sorted(wrong))), code="key_ring_mismatch")
    if manifest.hash_key != fingerprint(ring.hash_key):
        raise BackupError(_("The key ring does not match the backup: its lookup-hash key is "
                            "different. Restore with the key file saved with this backup."),
                          code="key_ring_mismatch")


def _verify(conn: Connection, manifest: Manifest, ring: Keyring) -> int:
    """After a restore: every table has the manifest's row count and one value per key
    decrypts. Returns the number of rows."""
    from core.services.keys import key_ids_in_use

    counts = _counts(conn)
    if counts != manifest.counts:
        diff = sorted(t for t in set(counts) | set(manifest.counts)
                      if counts.get(t) != manifest.counts.get(t))
        raise BackupError(_("The restored database differs from the backup in: %(tables)s.",
                            tables=", ".join(diff)), code="restore_mismatch")
    for stored in key_ids_in_use(conn).values():
        ring.decrypt(stored)
    return sum(counts.values())


def _attachments() -> dict[str, tuple[Path, str]]:
    """The encrypted files (``core.files``): reference -> (path, key id)."""
    from core.files import files_dir, is_reference

    root = files_dir()
    out: dict[str, tuple[Path, str]] = {}
    if not root.is_dir():
        return out
    for path in sorted(root.rglob("*.enc")):
        ref = path.relative_to(root).as_posix()
        if is_reference(ref):
            with path.open("rb") as fh:
                out[ref] = (path, fh.read(64).partition(b":")[0].decode("ascii", "replace"))
    return out


# -- the tar file ---------------------------------------------------------------------

def _write_tar(out: Path, manifest: Manifest, member: str, path: Path) -> None:
    """Write the backup next to ``out`` and move it in place (no half-written file)."""
    out.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=".backup-", dir=out.parent)
    os.close(fd)
    try:
        with tarfile.open(tmp, "w") as tar:
            data = manifest.to_json()
            info = tarfile.TarInfo(MANIFEST)
            info.size, info.mtime = len(data), int(dt.datetime.now(dt.UTC).timestamp())
            tar.addfile(info, io.BytesIO(data))
            tar.add(path, arcname=member)
            # Files are written before the rows that point at them: taken after the
            # database, every file the backup's rows name is there.
            for ref, (file_path, _kid) in _attachments().items():
                tar.add(file_path, arcname=f"{FILES_PREFIX}{ref}")
        os.chmod(tmp, 0o600)  # personal data, even if encrypted
        os.replace(tmp, out)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def read_manifest(path: Path) -> Manifest:
    """The manifest of the backup at ``path``; BackupError when it is not one."""
    try:
        with tarfile.open(path, "r") as tar:
            member = tar.extractfile(MANIFEST)
            if member is None:
                raise KeyError(MANIFEST)
            return Manifest.from_json(member.read())
    except (OSError, tarfile.TarError, KeyError, ValueError, TypeError) as exc:
        raise BackupError(_("%(file)s is not a directcrm backup (%(reason)s).",
                            file=str(path), reason=str(exc)), code="not_a_backup") from exc


@contextmanager
def _extracted(path: Path, member: str, into: Path) -> Iterator[Path]:
    with tarfile.open(path, "r") as tar:
        source = tar.extractfile(member)
        if source is None:
            raise BackupError(_("%(file)s is not a directcrm backup (%(reason)s).",
                                file=str(path), reason=member), code="not_a_backup")
        fd, tmp = tempfile.mkstemp(prefix=".restore-", dir=into)
        try:
            with os.fdopen(fd, "wb") as fh, source:
                shutil.copyfileobj(source, fh)
            yield Path(tmp)
        finally:
            Path(tmp).unlink(missing_ok=True)


# -- backup ---------------------------------------------------------------------------

def backup(engine: Engine, out: Path, ring: Keyring | None = None) -> Manifest:
    """Write a backup of the database of ``engine`` to ``out``; returns its manifest."""
    ring = ring or keyring()
    if engine.dialect.name == "sqlite":
        return _backup_sqlite(engine, out, ring)
    if engine.dialect.name == "postgresql":
        return _backup_postgresql(engine, out, ring)
    raise BackupError(_("Backups support SQLite and PostgreSQL only."), code="unsupported")


def _sqlite_path(engine: Engine) -> Path:
    database = engine.url.database
    if not database or database == ":memory:":
        raise BackupError(_("An in-memory SQLite database cannot be backed up or restored."),
                          code="unsupported")
    return Path(database)


def _backup_sqlite(engine: Engine, out: Path, ring: Keyring) -> Manifest:
    source_path = _sqlite_path(engine)
    if not source_path.is_file():  # sqlite3.connect would create an empty database
        reason = str(source_path) + ": no such file"
        raise BackupError(_("The database cannot be reached: %(error)s", error=reason),
                          code="no_database")
    with tempfile.TemporaryDirectory(dir=out.parent if out.parent.exists() else None) as tmp:
        copy_path = Path(tmp) / SQLITE_MEMBER
        source = sqlite3.connect(source_path, timeout=30)
        copy = sqlite3.connect(copy_path)
        try:
            source.backup(copy)  # one step: a consistent snapshot, writers carry on
            copy.execute("PRAGMA journal_mode=DELETE")  # one self-contained file
        finally:
            copy.close()
            source.close()
        copy_engine = create_engine(f"sqlite:///{copy_path}")
        try:
            with copy_engine.connect() as conn:
                manifest = _describe(conn, ring)
        finally:
            copy_engine.dispose()
        _write_tar(out, manifest, SQLITE_MEMBER, copy_path)
    return manifest


def _tool(name: str) -> str:
    """The newest installed PostgreSQL client tool ``name`` (pg_dump, pg_restore)."""
    candidates = sorted(Path("/usr/lib/postgresql").glob(f"*/bin/{name}"),
                        key=lambda p: int(p.parts[-3]) if p.parts[-3].isdigit() else 0)
    found = str(candidates[-1]) if candidates else shutil.which(name)
    if not found:
        raise BackupError(_("%(tool)s was not found: install the PostgreSQL client tools "
                            "(Debian: postgresql-client).", tool=name), code="unsupported")
    return found


def _libpq_url(engine: Engine) -> str:
    url = engine.url.set(drivername="postgresql")
    return url.render_as_string(hide_password=False)


def _run(cmd: list[str]) -> None:
    done = subprocess.run(cmd, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise BackupError(_("%(tool)s failed: %(error)s", tool=Path(cmd[0]).name,
                            error=done.stderr.strip()[-2000:]), code="tool_failed")


def _backup_postgresql(engine: Engine, out: Path, ring: Keyring) -> Manifest:
    out.parent.mkdir(parents=True, exist_ok=True)
    with engine.connect() as conn, tempfile.TemporaryDirectory(dir=out.parent) as tmp:
        conn.execution_options(isolation_level="REPEATABLE READ")
        with conn.begin():
            snapshot = conn.execute(text("SELECT pg_export_snapshot()")).scalar_one()
            manifest = _describe(conn, ring)
            dump = Path(tmp) / PG_MEMBER
            _run([_tool("pg_dump"), "--format=custom", f"--snapshot={snapshot}",
                  f"--file={dump}", f"--dbname={_libpq_url(engine)}"])
        _write_tar(out, manifest, PG_MEMBER, dump)
    return manifest


# -- restore --------------------------------------------------------------------------

def restore(engine: Engine, path: Path, *, ring: Keyring | None = None,
            force: bool = False) -> RestoreResult:
    """Restore the backup at ``path`` into the (empty, unless ``force``) database of
    ``engine``. Refuses, changing nothing, when the backup is of another kind of database
    or the key ring does not match it."""
    ring = ring or keyring()
    manifest = read_manifest(path)
    if manifest.dialect != engine.dialect.name:
        raise BackupError(_("This backup is of a %(kind)s database; the target is %(target)s.",
                            kind=manifest.dialect, target=engine.dialect.name),
                          code="wrong_database")
    _check_ring(manifest, ring)
    try:
        with engine.connect() as conn:
            tables = _tables(conn)
    except SQLAlchemyError as exc:
        raise BackupError(_("The database cannot be reached: %(error)s",
                            error=str(exc.orig or exc).strip().splitlines()[0]),
                          code="no_database") from exc
    if tables and not force:
        raise BackupError(_("The target database is not empty: restore into a new "
                            "database, or add --force to replace it."),
                          code="target_not_empty")
    if engine.dialect.name == "sqlite":
        rows = _restore_sqlite(engine, path, manifest, ring)
    else:
        rows = _restore_postgresql(engine, path, manifest, ring, force)
    _restore_files(path)
    return RestoreResult(dialect=manifest.dialect, tables=len(manifest.counts), rows=rows,
                         created_at=manifest.created_at)


def _restore_sqlite(engine: Engine, path: Path, manifest: Manifest, ring: Keyring) -> int:
    target = _sqlite_path(engine)
    target.parent.mkdir(parents=True, exist_ok=True)
    with _extracted(path, SQLITE_MEMBER, target.parent) as copy:
        check = create_engine(f"sqlite:///{copy}")
        try:
            with check.connect() as conn:
                rows = _verify(conn, manifest, ring)
        finally:
            check.dispose()
        engine.dispose()
        for suffix in ("-wal", "-shm"):
            Path(f"{target}{suffix}").unlink(missing_ok=True)
        os.replace(copy, target)
    return rows


def _restore_postgresql(engine: Engine, path: Path, manifest: Manifest, ring: Keyring,
                        force: bool) -> int:
    with tempfile.TemporaryDirectory() as tmp, _extracted(path, PG_MEMBER, Path(tmp)) as dump:
        engine.dispose()
        cmd = [_tool("pg_restore"), "--no-owner", "--no-acl", "--exit-on-error",
               "--single-transaction", f"--dbname={_libpq_url(engine)}"]
        if force:
            cmd += ["--clean", "--if-exists"]
        _run([*cmd, str(dump)])
    with engine.connect() as conn:
        return _verify(conn, manifest, ring)


def _restore_files(path: Path) -> int:
    """Put the backup's encrypted files in place (files already there are kept: a file
    never changes once written). Returns how many the backup holds."""
    from core.files import files_dir, is_reference

    root = files_dir()
    count = 0
    with tarfile.open(path, "r") as tar:
        for info in tar:
            if not info.isfile() or not info.name.startswith(FILES_PREFIX):
                continue
            ref = info.name.removeprefix(FILES_PREFIX)
            if not is_reference(ref):  # never a path outside the files folder
                continue
            count += 1
            target = root / ref
            if target.exists():
                continue
            target.parent.mkdir(parents=True, exist_ok=True)
            source = tar.extractfile(info)
            assert source is not None
            tmp = target.with_suffix(".part")
            with source, tmp.open("wb") as fh:
                shutil.copyfileobj(source, fh)
            os.replace(tmp, target)
    return count


def url_engine(url: str) -> Engine:
    """An engine on ``url`` with the house settings (for ``restore --database-url``)."""
    make_url(url)  # a malformed URL fails here, before anything runs
    return make_engine(url)


def summary(manifest: Manifest) -> dict[str, Any]:
    """The manifest for people and scripts: kind, time, tables, rows, key ids."""
    return {"database": manifest.dialect, "created_at": manifest.created_at,
            "tables": len(manifest.counts), "rows": sum(manifest.counts.values()),
            "keys": sorted(manifest.keys), "revisions": manifest.revisions,
            "files": manifest.files}
