"""Enabling and disabling modules per brand."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Engine, select

from core import audit
from core.context import Ctx
from core.errors import ModuleError
from core.i18n import _
from core.models import BrandModule


@dataclass(frozen=True)
class ModuleStatus:
    """A module as seen by one brand."""

    name: str
    version: str
    summary: str
    depends: tuple[str, ...]
    hooks: tuple[str, ...]
    enabled: bool | None
    broken: str | None = None  # why the module could not be loaded (it is then off)


def module_statuses(ctx: Ctx) -> list[ModuleStatus]:
    """Every installed module; ``enabled`` is None when no brand is given."""
    enabled = ctx.enabled_modules if ctx.brand is not None else None
    out = []
    for name in ctx.registry.ordered_names():
        info = ctx.registry.modules[name]
        m = info.manifest
        out.append(ModuleStatus(name=name, version=m.version, summary=m.summary,
                                depends=m.depends, hooks=tuple(info.hooks),
                                enabled=None if enabled is None else name in enabled))
    for name, reason in sorted(ctx.registry.broken.items()):
        out.append(ModuleStatus(name=name, version="-", summary="", depends=(), hooks=(),
                                enabled=None if enabled is None else False, broken=reason))
    return out


def enable_modules(ctx: Ctx, names: list[str]) -> list[str]:
    """Enable modules for the brand and run their install hooks, all or nothing.

    Dependencies must be enabled already or be in ``names``. Returns the modules newly
    enabled, in dependency order.
    """
    for name in names:
        ctx.registry.get(name)
    enabled = set(ctx.enabled_modules)
    wanted = set(names) | enabled
    for name in names:
        for dep in ctx.registry.modules[name].manifest.depends:
            if dep not in wanted:
                raise ModuleError(_("Cannot enable %(name)s: it needs %(dep)s, which is not "
                                    "enabled for brand %(brand)s. Enable %(dep)s first.",
                                    name=name, dep=dep, brand=ctx.brand.code))
    todo = [n for n in ctx.registry.ordered_names() if n in names and n not in enabled]
    with ctx.write() as session:
        for name in todo:
            _set_enabled(ctx, name, True)
            ctx.refresh_modules()
            # Call the install hook on this module only.
            module_impl = ctx.registry.modules[name].impl
            caller = ctx.registry.pm.subset_hook_caller(
                "crm_install",
                remove_plugins=[i.impl for n, i in ctx.registry.modules.items()
                                if i.impl is not module_impl])
            caller(ctx=ctx)
        session.flush()
    ctx.refresh_modules()
    return todo


def disable_modules(ctx: Ctx, names: list[str]) -> list[str]:
    """Disable modules for the brand (data kept), refusing while a dependent stays enabled.
    A module that could not be loaded can always be switched off (no uninstall step runs)."""
    broken = [n for n in names if n in ctx.registry.broken]
    names = [n for n in names if n not in broken]
    for name in names:
        ctx.registry.get(name)
    enabled = set(ctx.enabled_modules)
    remaining = enabled - set(names)
    for name in names:
        blockers = [d for d in ctx.registry.dependents(name) if d in remaining]
        if blockers:
            raise ModuleError(_("Cannot disable %(name)s: %(dependents)s depends on it and is "
                                "still enabled for brand %(brand)s.", name=name,
                                dependents=", ".join(blockers), brand=ctx.brand.code))
    todo = [n for n in reversed(ctx.registry.ordered_names()) if n in names and n in enabled]
    with ctx.write():
        for name in todo:
            module_impl = ctx.registry.modules[name].impl
            caller = ctx.registry.pm.subset_hook_caller(
                "crm_uninstall",
                remove_plugins=[i.impl for i in ctx.registry.modules.values()
                                if i.impl is not module_impl])
            caller(ctx=ctx)
            _set_enabled(ctx, name, False)
        for name in broken:
            row = ctx.session.scalar(select(BrandModule).where(
                BrandModule.brand_id == ctx.brand_id, BrandModule.module == name))
            if row is not None and row.enabled:
                row.enabled = False
                audit.record(ctx, "module_disable", record_type="module", record_id=name,
                             details={"broken": ctx.registry.broken[name]})
                todo.append(name)
    ctx.refresh_modules()
    return todo


def _set_enabled(ctx: Ctx, name: str, enabled: bool) -> None:
    row = ctx.session.scalar(select(BrandModule).where(
        BrandModule.brand_id == ctx.brand_id, BrandModule.module == name))
    version = ctx.registry.modules[name].manifest.version
    audit.record(ctx, "module_enable" if enabled else "module_disable", record_type="module",
                 record_id=name, details={"version": version})
    if row is None:
        ctx.session.add(BrandModule(brand_id=ctx.brand_id, module=name, enabled=enabled,
                                    version=version, changed_at=ctx.now(),
                                    changed_by=ctx.user))
    else:
        row.enabled = enabled
        row.version = version
        row.changed_at = ctx.now()
        row.changed_by = ctx.user
    ctx.session.flush()


def downgrade_module_tables(ctx: Ctx, name: str, target: str = "base") -> str | None:
    """Take module ``name``'s tables down to revision ``target`` of its branch, for the
    whole installation; ``base`` drops every table of the module with its data, forgets
    its per-brand switches and settings, and is the step before ``pip uninstall``.

    ``ctx`` is an installation-wide context (no brand). Refused with a translated
    :class:`ModuleError` while any brand has the module enabled, or while a module that
    depends on it has tables. Returns the revision the branch was at (None: no tables).
    An audit entry is written for every brand that had the module.
    """
    from core import migrate
    from core.models import Brand

    ctx.registry.get(name)
    engine = ctx.session.get_bind()
    try:
        _refuse_downgrade(ctx, engine, name, target)
    finally:
        ctx.session.rollback()  # no transaction of ours may hold locks on tables dropped
    before = migrate.module_revision(engine, name)
    if before is None:
        return None
    migrate.downgrade_module(engine, name, target)
    with ctx.write():
        rows = ctx.session.scalars(select(BrandModule).where(BrandModule.module == name)).all()
        for row in rows:
            audit.record(ctx, "module_downgrade", record_type="module", record_id=name,
                         brand_id=row.brand_id, details={"from": before, "to": target})
            if target == "base":
                brand = ctx.session.get(Brand, row.brand_id)
                if brand is not None and name in (brand.settings or {}):
                    brand.settings = {k: v for k, v in brand.settings.items() if k != name}
                ctx.session.delete(row)
    return before


def _refuse_downgrade(ctx: Ctx, engine: Engine, name: str, target: str) -> None:
    from core import migrate
    from core.models import Brand

    enabled_for = ctx.session.scalars(
        select(Brand.code).join(BrandModule, BrandModule.brand_id == Brand.id)
        .where(BrandModule.module == name, BrandModule.enabled.is_(True))
        .order_by(Brand.code)).all()
    if enabled_for:
        raise ModuleError(_("Cannot downgrade %(name)s: it is enabled for %(brands)s. "
                            "Disable it there first.", name=name,
                            brands=", ".join(enabled_for)))
    if target == "base":
        users = [d for d in ctx.registry.dependents(name)
                 if migrate.module_revision(engine, d) is not None]
        if users:
            raise ModuleError(_("Cannot remove the tables of %(name)s: %(dependents)s "
                                "depends on it and still has tables.", name=name,
                                dependents=", ".join(users)))
