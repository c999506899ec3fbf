"""Schema migrations with Alembic: one branch for the core, one per module.

A module ships its revisions in ``<package>/migrations/versions`` (first revision with
``branch_labels = ("<module>",)`` and ``depends_on = "core"``); they are found through the
module registry, so a third-party module's tables are created by ``directcrm init`` too.
"""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy import Engine

from core.plugins import default_registry

CORE_DIR = Path(__file__).resolve().parent / "migrations"


def alembic_config(engine: Engine) -> Config:
    """An Alembic config bound to ``engine`` with every module's version folder."""
    import importlib.util

    cfg = Config()
    cfg.set_main_option("script_location", str(CORE_DIR))
    locations = [str(CORE_DIR / "versions")]
    for info in default_registry().modules.values():
        spec = importlib.util.find_spec(info.manifest.package or info.manifest.name)
        if spec and spec.origin:
            versions = Path(spec.origin).parent / "migrations" / "versions"
            if versions.is_dir():
                locations.append(str(versions))
    cfg.set_main_option("version_locations", " ".join(locations))
    cfg.set_main_option("path_separator", "space")
    cfg.attributes["engine"] = engine
    return cfg


def upgrade(engine: Engine, target: str = "heads") -> None:
    """Bring the database to the newest schema of the core and every installed module."""
    command.upgrade(alembic_config(engine), target)


def check(engine: Engine) -> None:
    """Fail if the models have changes that no migration covers."""
    command.check(alembic_config(engine))
