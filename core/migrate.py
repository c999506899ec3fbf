"""Schema migrations with Alembic: one branch for the core, one per module.

A module ships its revisions in ``<package>/migrations/versions`` (first revision with
``branch_labels = ("<module>",)`` and ``depends_on = "core"``); they are found through the
module registry, so a third-party module's tables are created by ``directcrm init`` too.
"""

from __future__ import annotations

import re
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


def module_tables(module: str) -> set[str]:
    """Names of the tables defined by ``module`` (``core`` or a module name)."""
    from core.db import Base

    prefix = "core." if module == "core" else \
        (default_registry().get(module).manifest.package or f"plugins.{module}") + "."
    return {m.local_table.name for m in Base.registry.mappers
            if m.class_.__module__.startswith(prefix)}


def revision(engine: Engine, module: str, message: str) -> None:
    """Autogenerate a revision on ``module``'s own branch from its models.

    ``engine`` must point at a scratch database: it is upgraded to the current heads first.
    A module's first revision starts its branch and depends on the core branch.
    """
    import importlib.util

    cfg = alembic_config(engine)
    upgrade(engine)
    if module == "core":
        folder = CORE_DIR / "versions"
    else:
        spec = importlib.util.find_spec(default_registry().get(module).manifest.package)
        assert spec is not None and spec.origin is not None
        folder = Path(spec.origin).parent / "migrations" / "versions"
        folder.mkdir(parents=True, exist_ok=True)
        locations = cfg.get_main_option("version_locations") or ""
        if str(folder) not in locations.split():
            cfg.set_main_option("version_locations", f"{locations} {folder}")
    cfg.attributes["only_tables"] = module_tables(module)
    from alembic.script import ScriptDirectory
    from alembic.util import CommandError

    try:
        has_branch = ScriptDirectory.from_config(cfg).get_revision(f"{module}@head") is not None
    except CommandError:
        has_branch = False
    if has_branch:
        script = ScriptDirectory.from_config(cfg)
        # Revisions are numbered along the branch: <module>_0001, <module>_0002, ...
        numbers = [int(m.group(1)) for rev in script.walk_revisions()
                   if (m := re.fullmatch(rf"{re.escape(module)}_(\d{{4}})", rev.revision))]
        command.revision(cfg, message=message, autogenerate=True, head=f"{module}@head",
                         rev_id=f"{module}_{max(numbers, default=0) + 1:04d}")
    else:
        command.revision(cfg, message=message, autogenerate=True, head="base",
                         branch_label=module, version_path=str(folder),
                         depends_on=None if module == "core" else "core",
                         rev_id=f"{module}_0001")


def upgrade(engine: Engine, target: str = "heads") -> None:
    """Bring the database to the newest schema of the core and every installed module.

    Raises :class:`core.errors.ModuleError` (translated) when the database holds a
    revision that no installed module provides: a module uninstalled with its tables left.
    """
    cfg = alembic_config(engine)
    _refuse_unknown_revisions(cfg, engine)
    command.upgrade(cfg, target)


def applied_revisions(engine: Engine) -> set[str]:
    """The revisions recorded in the database's ``alembic_version`` (empty before init)."""
    import sqlalchemy as sa

    with engine.connect() as conn:
        if not sa.inspect(conn).has_table("alembic_version"):
            return set()
        return set(conn.scalars(sa.text("SELECT version_num FROM alembic_version")))


def _refuse_unknown_revisions(cfg: Config, engine: Engine) -> None:
    from alembic.script import ScriptDirectory
    from alembic.util import CommandError

    from core.errors import ModuleError
    from core.i18n import _

    script = ScriptDirectory.from_config(cfg)
    for rev in sorted(applied_revisions(engine)):
        try:
            script.get_revision(rev)
        except CommandError:
            module = rev.rsplit("_", 1)[0] if "_" in rev else rev
            raise ModuleError(_(
                "The database holds tables of module %(name)s (revision %(rev)s), which is "
                "not installed or could not be loaded. Install it again; to remove it, run "
                "directcrm module downgrade %(name)s --to base before uninstalling it.",
                name=module, rev=rev)) from None


def module_revision(engine: Engine, module: str) -> str | None:
    """The revision of ``module``'s branch applied to the database (None: no tables)."""
    from alembic.script import ScriptDirectory

    script = ScriptDirectory.from_config(alembic_config(engine))
    for rev in sorted(applied_revisions(engine)):
        # The branch of a revision is the label of the first labelled one below it.
        for ancestor in script.iterate_revisions(rev, "base"):
            if ancestor.branch_labels:
                if module in ancestor.branch_labels:
                    return rev
                break
    return None


def downgrade_module(engine: Engine, module: str, target: str = "base") -> None:
    """Take ``module``'s branch down to ``target`` (a revision of that branch, or ``base``:
    every table of the module dropped). Other branches are not touched."""
    command.downgrade(alembic_config(engine), f"{module}@base" if target == "base" else target)


def check(engine: Engine) -> None:
    """Fail if the models have changes that no migration covers."""
    command.check(alembic_config(engine))


def main(argv: list[str] | None = None) -> None:
    """``python -m core.migrate revision MODULE -m MESSAGE --scratch-url URL``: write a new
    revision on MODULE's branch (for module authors; the URL must be a throwaway database)."""
    import argparse

    from core.crypto import Keyring, set_keyring
    from core.db import make_engine

    parser = argparse.ArgumentParser(prog="python -m core.migrate")
    sub = parser.add_subparsers(dest="cmd", required=True)
    rev = sub.add_parser("revision", help="autogenerate a revision for one module")
    rev.add_argument("module", help="'core' or a module name")
    rev.add_argument("-m", "--message", required=True)
    rev.add_argument("--scratch-url", default="sqlite:///migrate-scratch.db")
    args = parser.parse_args(argv)
    set_keyring(Keyring.generate())  # scratch database: values are never read
    revision(make_engine(args.scratch_url), args.module, args.message)


if __name__ == "__main__":
    main()
