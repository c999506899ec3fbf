"""Module system: manifests, dependency order, per-brand enable/disable and dispatch."""

from __future__ import annotations

import pytest

from core.errors import ModuleError
from core.hookspecs import hookimpl
from core.plugins import ModuleRegistry, manifest_from_dict, read_manifest
from core.services.modules import disable_modules, enable_modules, module_statuses
from core.services.orders import create_order
from tests.core.test_services_smoke import seed


class Recorder:
    """A test module that records the events it receives."""

    def __init__(self) -> None:
        self.paid: list[tuple[str, str]] = []
        self.installed: list[str] = []

    @hookimpl
    def crm_install(self, ctx):
        self.installed.append(ctx.brand.code)

    @hookimpl
    def crm_order_paid(self, ctx, orders):
        self.paid.extend((ctx.brand.code, o.order_ref) for o in orders)


def registry_with(*modules):
    reg = ModuleRegistry()
    reg.register_all([(manifest_from_dict(m), impl) for m, impl in modules])
    return reg


def test_builtin_manifests_are_literal_and_discovered():
    m = read_manifest("plugins.loyalty")
    assert m.name == "loyalty" and m.version
    from core.plugins import default_registry

    assert {"loyalty", "compliance"} <= set(default_registry().modules)


def test_missing_dependency_fails_fast():
    with pytest.raises(ModuleError, match="needs|depends"):
        registry_with(({"name": "b", "version": "1", "depends": ["a"]}, Recorder()))


def test_circular_dependency_fails_fast():
    with pytest.raises(ModuleError, match="Circular"):
        registry_with(({"name": "a", "version": "1", "depends": ["b"]}, Recorder()),
                      ({"name": "b", "version": "1", "depends": ["a"]}, Recorder()))


def test_misspelt_hook_fails_at_start():
    class Typo:
        @hookimpl
        def crm_order_payed(self, ctx, orders):
            pass

    import pluggy

    with pytest.raises(pluggy.PluginValidationError):
        registry_with(({"name": "typo", "version": "1"}, Typo()))


def test_unknown_manifest_key_is_refused():
    with pytest.raises(ModuleError):
        manifest_from_dict({"name": "x", "version": "1", "run": "os.system"})


def test_dependency_rules_when_enabling_and_disabling(ctx_a):
    base, extra = Recorder(), Recorder()
    ctx_a.registry = registry_with(({"name": "base", "version": "1"}, base),
                                   ({"name": "extra", "version": "1", "depends": ["base"]},
                                    extra))
    with pytest.raises(ModuleError, match="base"):
        enable_modules(ctx_a, ["extra"])
    assert ctx_a.enabled_modules == frozenset()  # nothing changed
    assert enable_modules(ctx_a, ["extra", "base"]) == ["base", "extra"]
    assert base.installed == ["A"] and extra.installed == ["A"]
    with pytest.raises(ModuleError, match="extra"):
        disable_modules(ctx_a, ["base"])
    assert ctx_a.enabled_modules == {"base", "extra"}
    assert disable_modules(ctx_a, ["base", "extra"]) == ["extra", "base"]
    statuses = {s.name: s.enabled for s in module_statuses(ctx_a)}
    assert statuses == {"base": False, "extra": False}


def test_hooks_reach_only_brands_that_enabled_the_module(ctx_a, ctx_b):
    rec = Recorder()
    reg = registry_with(({"name": "rec", "version": "1"}, rec))
    ctx_a.registry = ctx_b.registry = reg
    enable_modules(ctx_a, ["rec"])
    for ctx in (ctx_a, ctx_b):
        seed(ctx)
        create_order(ctx, {"order_ref": "O1", "customer_ref": "C1",
                           "ordered_at": "2026-03-01T10:00:00",
                           "lines": [{"sku": "SKU1", "quantity": 1, "unit_price": "199.00"}]})
    assert rec.paid == [("A", "O1")]
    disable_modules(ctx_a, ["rec"])
    create_order(ctx_a, {"order_ref": "O2", "customer_ref": "C1",
                         "ordered_at": "2026-03-02T10:00:00",
                         "lines": [{"sku": "SKU1", "quantity": 1, "unit_price": "199.00"}]})
    assert rec.paid == [("A", "O1")]


def test_manifest_grants_are_checked():
    """A module may grant read or write to the rep, customer service and compliance
    officer roles, nothing else (admins and managers already write)."""
    import pytest

    from core.errors import ModuleError
    from core.plugins import manifest_from_dict

    ok = manifest_from_dict({"name": "m", "version": "1", "grants": {"rep": "write"}})
    assert ok.grants == (("rep", "write"),)
    for grants in ({"super_admin": "write"}, {"rep": "admin"}, ["rep"]):
        with pytest.raises(ModuleError):
            manifest_from_dict({"name": "m", "version": "1", "grants": grants})
