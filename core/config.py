"""Settings read from the environment, with embedded defaults for a single-machine install."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

ENV_DATABASE_URL = "DIRECTCRM_DATABASE_URL"
ENV_INSTANCE_PATH = "DIRECTCRM_INSTANCE_PATH"


@dataclass(frozen=True)
class Settings:
    """Process-wide settings. Everything brand-specific lives in the database instead."""

    instance_path: Path
    database_url: str


def instance_path(*, create: bool = False) -> Path:
    """The folder for the embedded database, generated keys and uploads. Created only by
    what writes there (``create=True``, the embedded database, a generated key), so that
    ``directcrm --help`` leaves the current folder alone."""
    path = Path(os.environ.get(ENV_INSTANCE_PATH) or Path.cwd() / "instance")
    if create:
        path.mkdir(parents=True, exist_ok=True)
    return path


def load_settings() -> Settings:
    """Read settings; without ``DIRECTCRM_DATABASE_URL`` use SQLite in the instance folder."""
    folder = instance_path()
    url = os.environ.get(ENV_DATABASE_URL) or f"sqlite:///{folder / 'directcrm.db'}"
    return Settings(instance_path=folder, database_url=url)
