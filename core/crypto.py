"""Encryption of personal data at rest and keyed lookup hashes.

Values are encrypted with Fernet (AES-128-CBC + HMAC-SHA256, authenticated) and stored as
``<key id>:<token>`` so that several keys can be readable during a rotation. Beside each
field that needs exact lookup, a keyed hash (HMAC-SHA256 of the normalised value) is stored
and indexed.

The keyring is process-wide because SQLAlchemy column types cannot see a request context;
``configure_keyring`` is called by the app factory and the CLI before any database work.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import os
import re
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from cryptography.fernet import Fernet, InvalidToken
from sqlalchemy import Text
from sqlalchemy.types import TypeDecorator

ENV_KEYS = "DIRECTCRM_KEYS"
ENV_KEY_FILE = "DIRECTCRM_KEY_FILE"
KEY_FILE_NAME = "directcrm-keys.json"


class KeyError_(RuntimeError):
    """The keyring is missing, malformed, or cannot decrypt a value."""


@dataclass
class Keyring:
    """Encryption keys by id, the id used for new values, and the lookup-hash key."""

    keys: dict[str, bytes]
    current: str
    hash_key: bytes
    _fernets: dict[str, Fernet] = field(default_factory=dict, repr=False)

    def fernet(self, key_id: str) -> Fernet:
        if key_id not in self._fernets:
            try:
                self._fernets[key_id] = Fernet(self.keys[key_id])
            except KeyError as exc:
                raise KeyError_(f"no key with id {key_id!r} in the keyring") from exc
        return self._fernets[key_id]

    def encrypt(self, plaintext: str) -> str:
        token = self.fernet(self.current).encrypt(plaintext.encode("utf-8"))
        return f"{self.current}:{token.decode('ascii')}"

    def decrypt(self, stored: str) -> str:
        key_id, _, token = stored.partition(":")
        try:
            return self.fernet(key_id).decrypt(token.encode("ascii")).decode("utf-8")
        except InvalidToken as exc:
            raise KeyError_(f"value encrypted with key {key_id!r} failed authentication") from exc

    def key_id_of(self, stored: str) -> str:
        """The id of the key a stored value was encrypted with (its prefix)."""
        return stored.partition(":")[0]

    def add_key(self) -> str:
        """Add a fresh key and make it current; older keys stay readable. Returns its id.

        Ids are ``k<n>`` with ``n`` one above the highest id in the ring, so an id is never
        reused while any older key is still present. The lookup-hash key is kept: hashes
        are for lookup only and must stay comparable across rotations.
        """
        numbers = [int(k[1:]) for k in self.keys if k[:1] == "k" and k[1:].isdigit()]
        new_id = f"k{max(numbers, default=0) + 1}"
        self.keys[new_id] = Fernet.generate_key()
        self.current = new_id
        return new_id

    def retire(self, key_id: str) -> None:
        """Remove a non-current key (call only once no stored value uses it)."""
        if key_id == self.current:
            raise KeyError_("the current key cannot be retired")
        self.keys.pop(key_id, None)
        self._fernets.pop(key_id, None)

    def lookup_hash(self, normalised: str) -> str:
        return hmac.new(self.hash_key, normalised.encode("utf-8"), hashlib.sha256).hexdigest()

    def to_json(self) -> str:
        return json.dumps(
            {
                "current": self.current,
                "keys": {k: v.decode("ascii") for k, v in self.keys.items()},
                "hash_key": base64.urlsafe_b64encode(self.hash_key).decode("ascii"),
            },
            indent=2,
        )

    @classmethod
    def from_json(cls, text: str) -> Keyring:
        try:
            data = json.loads(text)
            keys = {k: v.encode("ascii") for k, v in data["keys"].items()}
            ring = cls(keys=keys, current=data["current"],
                       hash_key=base64.urlsafe_b64decode(data["hash_key"]))
            ring.fernet(ring.current)
        except (ValueError, KeyError, TypeError) as exc:
            raise KeyError_(f"malformed keyring: {exc}") from exc
        return ring

    @classmethod
    def generate(cls) -> Keyring:
        return cls(keys={"k1": Fernet.generate_key()}, current="k1", hash_key=os.urandom(32))


_keyring: Keyring | None = None
_keyring_path: Path | None = None
_deferred_instance: Path | None = None


def defer_keyring(instance_path: Path) -> None:
    """Configure the keyring from ``instance_path`` when it is first needed (so a command
    that never reads personal data, ``--help`` included, reads and writes no key file)."""
    global _keyring, _deferred_instance
    _keyring, _deferred_instance = None, instance_path


def _configure_deferred() -> None:
    global _deferred_instance
    if _keyring is None and _deferred_instance is not None:
        path, _deferred_instance = _deferred_instance, None
        configure_keyring(path)


def configure_keyring(instance_path: Path) -> Keyring:
    """Load the keyring from ``DIRECTCRM_KEYS`` (JSON), ``DIRECTCRM_KEY_FILE``, or the
    instance folder, generating an owner-only key file there on first run."""
    global _keyring, _keyring_path, _deferred_instance
    _deferred_instance = None
    if os.environ.get(ENV_KEYS):
        _keyring = Keyring.from_json(os.environ[ENV_KEYS])
        _keyring_path = None
        return _keyring
    path = Path(os.environ.get(ENV_KEY_FILE) or instance_path / KEY_FILE_NAME)
    _keyring_path = path
    if path.exists():
        _keyring = Keyring.from_json(path.read_text())
        return _keyring
    ring = Keyring.generate()
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as fh:
        fh.write(ring.to_json())
    print(f"directcrm: generated a new encryption key file at {path} (mode 600); "
          "back it up: without it, personal data cannot be read.", file=sys.stderr)
    _keyring = ring
    return ring


def set_keyring(ring: Keyring, path: Path | None = None) -> None:
    """Install a keyring directly (tests, key rotation); ``path`` is where it is saved."""
    global _keyring, _keyring_path, _deferred_instance
    _keyring, _keyring_path, _deferred_instance = ring, path, None


def keyring_path() -> Path | None:
    """The key file the keyring was read from (None when it came from ``DIRECTCRM_KEYS``)."""
    _configure_deferred()
    return _keyring_path


def save_keyring(ring: Keyring, path: Path) -> None:
    """Write the keyring to ``path`` atomically, owner-only (mode 600).

    The new file is written beside the old one and renamed over it, so a crash leaves
    either the old or the new keyring, never a truncated one.
    """
    tmp = path.with_name(path.name + ".tmp")
    tmp.unlink(missing_ok=True)
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as fh:
        fh.write(ring.to_json())
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(tmp, path)


def reload_keyring() -> Keyring:
    """Re-read the key file (a rotation run by another process added a key)."""
    global _keyring
    _configure_deferred()
    if _keyring_path is not None and _keyring_path.exists():
        _keyring = Keyring.from_json(_keyring_path.read_text())
    return keyring()


def keyring() -> Keyring:
    """The configured keyring; fails loudly if nothing configured it."""
    _configure_deferred()
    if _keyring is None:
        raise KeyError_("encryption keys are not configured (call configure_keyring)")
    return _keyring


_PHONE_SEPARATORS = re.compile(r"[\s\-().]")


def normalize_phone(raw: str) -> str:
    """Canonical form of a phone number for matching: digits only, China's +86/0086
    prefix dropped (``+86 138-0013-8000`` and ``13800138000`` are the same person)."""
    value = _PHONE_SEPARATORS.sub("", raw.strip())
    if value.startswith("+86"):
        value = value[3:]
    elif value.startswith("0086"):
        value = value[4:]
    elif value.startswith("+"):
        value = "00" + value[1:]
    return value


def normalize_text(raw: str) -> str:
    """Canonical form for exact-match identifiers such as WeChat IDs: trimmed, lower-case."""
    return raw.strip().lower()


def lookup_hash(normalised: str | None) -> str | None:
    """Keyed hash of an already-normalised value, or None for an empty value."""
    return keyring().lookup_hash(normalised) if normalised else None


def phone_hash(raw: str | None) -> str | None:
    """Lookup hash of a phone number in any formatting."""
    return lookup_hash(normalize_phone(raw)) if raw else None


def mask(value: str | None) -> str | None:
    """Mask a sensitive value for display: ``13800138000`` → ``138****8000``."""
    if not value:
        return value
    if len(value) <= 4:
        return "*" * len(value)
    keep_head = 3 if len(value) >= 8 else 1
    return value[:keep_head] + "****" + value[-4:]


class EncryptedText(TypeDecorator[str]):
    """A string column encrypted at rest with the configured keyring.

    This is how a model (core or module) declares a field sensitive: key rotation
    re-encrypts every ``EncryptedText`` column found in the metadata, the audit log masks
    its values, and ``core.privacy`` masks it for display. Beside a field that needs exact
    lookup, add a ``<name>_hash`` column filled with ``lookup_hash``/``phone_hash``.
    """

    impl = Text
    cache_ok = True

    def process_bind_param(self, value: str | None, dialect: Any) -> str | None:
        return None if value is None else keyring().encrypt(value)

    def process_result_value(self, value: str | None, dialect: Any) -> str | None:
        if value is None:
            return None
        ring = keyring()
        if ring.key_id_of(value) not in ring.keys:
            # Another process rotated the keys since this one started: pick up the new key.
            ring = reload_keyring()
        return ring.decrypt(value)


def sign_token(payload: dict[str, Any], purpose: str) -> str:
    """A URL-safe signed token of ``payload`` for links sent to people (a consent page, a
    complaint form); ``purpose`` separates the kinds of link. Signed with the keyring's
    hash key, so it is valid on every worker and from the CLI."""
    from itsdangerous import URLSafeSerializer

    return URLSafeSerializer(keyring().hash_key, salt=f"directcrm-{purpose}").dumps(payload)


def read_token(token: str, purpose: str) -> dict[str, Any] | None:
    """The payload of a token made by :func:`sign_token` for ``purpose``, or None when it
    was altered, made for another purpose or another installation."""
    from itsdangerous import BadSignature, URLSafeSerializer

    try:
        data = URLSafeSerializer(keyring().hash_key, salt=f"directcrm-{purpose}").loads(token)
    except BadSignature:
        return None
    return data if isinstance(data, dict) else None
