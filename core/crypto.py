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


def configure_keyring(instance_path: Path) -> Keyring:
    """Load the keyring from ``DIRECTCRM_KEYS`` (JSON), ``DIRECTCRM_KEY_FILE``, or the
    instance folder, generating an owner-only key file there on first run."""
    global _keyring
    if os.environ.get(ENV_KEYS):
        _keyring = Keyring.from_json(os.environ[ENV_KEYS])
        return _keyring
    path = Path(os.environ.get(ENV_KEY_FILE) or instance_path / KEY_FILE_NAME)
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


def set_keyring(ring: Keyring) -> None:
    """Install a keyring directly (tests, key rotation)."""
    global _keyring
    _keyring = ring


def keyring() -> Keyring:
    """The configured keyring; fails loudly if nothing configured it."""
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
    """A string column encrypted at rest with the configured keyring."""

    impl = Text
    cache_ok = True

    def process_bind_param(self, value: str | None, dialect: Any) -> str | None:
        return None if value is None else keyring().encrypt(value)

    def process_result_value(self, value: str | None, dialect: Any) -> str | None:
        return None if value is None else keyring().decrypt(value)
