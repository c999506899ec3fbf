"""``directcrm module downgrade``: the uninstall and downgrade path of a module's tables,
on a database built by the migrations (``directcrm init``), on both backends."""

from __future__ import annotations

import pytest
from sqlalchemy import inspect, select, text

from core.api import ModuleError
from core.audit.models import AuditEntry
from core.config import Settings
from core.db import make_engine
from core.migrate import applied_revisions, upgrade
from core.models import Brand, BrandModule
from core.plugins import default_registry
from core.runtime import Runtime
from core.services.brands import create_brand
from core.services.modules import disable_modules, downgrade_module_tables, enable_modules
from core.services.settings import set_settings

MODULE = "acme_meetings"  # the example module, installed like a partner's distribution
TABLES = {"acme_meetings_meetings", "acme_meetings_attendance"}


@pytest.fixture()
def migrated(scratch_database_url, tmp_path):
    """A runtime on a database made by the migrations, with brand A using the module."""
    engine = make_engine(scratch_database_url)
    upgrade(engine)
    rt = Runtime(settings=Settings(instance_path=tmp_path, database_url=scratch_database_url),
                 registry=default_registry())
    rt.__dict__["engine"] = engine
    ctx = rt.ctx(None)
    create_brand(ctx, {"code": "A", "name": "Brand A", "currency": "CNY",
                       "timezone": "Asia/Shanghai", "jurisdiction": "CN", "locale": "en"})
    ctx.session.close()
    ctx = rt.ctx("A")
    enable_modules(ctx, [MODULE])
    set_settings(ctx, {"acme_meetings.follow_up_days": 10})
    ctx.session.close()
    yield rt, engine
    rt.close_sessions()
    engine.dispose()


def _tables(engine) -> set[str]:
    return set(inspect(engine).get_table_names()) & TABLES


def test_tables_are_dropped_only_when_no_brand_uses_the_module(migrated):
    rt, engine = migrated
    assert _tables(engine) == TABLES
    with pytest.raises(ModuleError, match="enabled for A"):
        downgrade_module_tables(rt.ctx(None), MODULE)
    assert _tables(engine) == TABLES  # nothing dropped

    disable_modules(rt.ctx("A"), [MODULE])
    before = downgrade_module_tables(rt.ctx(None), MODULE)
    # the revision it stood at: 0002 (brand keys) since directcrm 0.2
    assert before == "acme_meetings_0002"
    assert _tables(engine) == set()
    assert not any(r.startswith("acme_meetings") for r in applied_revisions(engine))
    ctx = rt.ctx(None)
    brand = ctx.session.scalar(select(Brand).where(Brand.code == "A"))
    assert MODULE not in (brand.settings or {})  # its settings went with its tables
    assert ctx.session.scalar(select(BrandModule).where(BrandModule.module == MODULE)) is None
    entry = ctx.session.scalar(select(AuditEntry).where(AuditEntry.action == "module_downgrade"))
    assert entry.brand_id == brand.id and entry.record_id == MODULE
    assert downgrade_module_tables(rt.ctx(None), MODULE) is None  # again: nothing to do

    upgrade(engine)  # installed again: init creates the tables anew
    assert _tables(engine) == TABLES


def test_init_names_a_module_whose_code_is_gone(migrated):
    _rt, engine = migrated
    with engine.begin() as conn:  # what pip uninstall leaves behind without a downgrade
        conn.execute(text("INSERT INTO alembic_version (version_num) VALUES ('acme_gone_0002')"))
    with pytest.raises(ModuleError, match="module acme_gone .*downgrade acme_gone --to base"):
        upgrade(engine)


def test_the_command_asks_for_confirmation(run_cli):
    result = run_cli("module", "downgrade", MODULE)
    assert result.exit_code == 2 and "--yes" in result.output
