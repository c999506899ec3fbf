"""Encrypted files kept outside the database rows (identity evidence, attachments).

Each file is encrypted with the current key of the keyring (Fernet, like the encrypted
columns) and written under ``$DIRECTCRM_FILES_DIR`` (default ``<instance>/files``) as
``<kind>/<brand id>/<random name>.enc``; the database keeps only that reference. Reading
decrypts with whichever key wrote it, so key rotation keeps old files readable.
"""

from __future__ import annotations

import os
import re
import uuid
from pathlib import Path

from core.config import instance_path
from core.crypto import keyring

ENV_FILES_DIR = "DIRECTCRM_FILES_DIR"
_REF = re.compile(r"[a-z_]{1,32}/\d{1,10}/[0-9a-f]{32}\.enc")


def files_dir() -> Path:
    """The folder encrypted files live in."""
    return Path(os.environ.get(ENV_FILES_DIR) or instance_path() / "files")


def is_reference(ref: str) -> bool:
    """Whether ``ref`` has the form of a stored file's reference (no other path)."""
    return _REF.fullmatch(ref) is not None


def _path(ref: str) -> Path:
    if not _REF.fullmatch(ref):
        raise ValueError(f"not a file reference: {ref!r}")
    return files_dir() / ref


def store_encrypted(brand_id: int, data: bytes, *, kind: str, name: str | None = None) -> str:
    """Encrypt and write ``data``; returns the reference to keep in the database.

    ``name`` (32 hex digits) fixes the file's name instead of a random one: writing the same
    name again replaces the file (written beside it, then renamed: never half a file), so a
    job run twice leaves one result."""
    ring = keyring()
    ref = f"{kind}/{brand_id}/{name or uuid.uuid4().hex}.enc"
    path = _path(ref)
    path.parent.mkdir(parents=True, exist_ok=True)
    payload = ring.current.encode("ascii") + b":" + ring.fernet(ring.current).encrypt(data)
    if name is None:
        path.write_bytes(payload)
        return ref
    partial = path.with_name(f".{path.name}.{uuid.uuid4().hex[:8]}.part")
    partial.write_bytes(payload)
    os.replace(partial, path)
    return ref


def read_encrypted(ref: str) -> bytes:
    """The plaintext of a stored file."""
    key_id, _sep, token = _path(ref).read_bytes().partition(b":")
    return keyring().fernet(key_id.decode("ascii")).decrypt(token)


def delete_encrypted(ref: str) -> None:
    """Remove a stored file (erasure); a file already gone is fine."""
    _path(ref).unlink(missing_ok=True)
