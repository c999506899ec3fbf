"""The module system: discovery, manifests, dependency order and per-brand dispatch.

Modules are found through the ``directcrm.plugins`` entry-point group, built-in and
third-party alike. Each entry point names a package whose ``__init__.py`` holds a literal
``MANIFEST`` dict (read with ``ast.literal_eval``: nothing in it runs); hook
implementations live in the package's ``plugin`` module.

Hooks are dispatched only to the modules a brand enabled: pluggy's ``subset_hook_caller``
with the other modules removed, cached per set of enabled modules.
"""

from __future__ import annotations

import ast
import graphlib
import importlib
import importlib.util
from collections.abc import Iterable
from dataclasses import dataclass, field
from importlib.metadata import entry_points
from pathlib import Path
from types import ModuleType
from typing import Any

import pluggy

from core import hookspecs
from core.errors import ModuleError
from core.i18n import _

ENTRY_POINT_GROUP = "directcrm.plugins"
MANIFEST_KEYS = {"name", "version", "summary", "depends", "grants"}
# Roles a module may grant access to its screens and APIs (role key -> read or write).
GRANT_ROLES = ("rep", "customer_service", "compliance_officer")
GRANT_LEVELS = ("read", "write")


@dataclass(frozen=True)
class Manifest:
    """What a module declares about itself."""

    name: str
    version: str
    summary: str
    depends: tuple[str, ...] = ()
    package: str = ""
    # Beyond the core's defaults (admins and managers write, other roles read): e.g.
    # {"customer_service": "write"} lets customer service record in the module.
    grants: tuple[tuple[str, str], ...] = ()


@dataclass
class ModuleInfo:
    """A loaded module: its manifest, its hook implementation object and its hooks."""

    manifest: Manifest
    impl: Any
    hooks: list[str] = field(default_factory=list)


def read_manifest(package: str) -> Manifest:
    """Read ``MANIFEST`` from a package's ``__init__.py`` without importing it."""
    spec = importlib.util.find_spec(package)
    if spec is None or spec.origin is None:
        raise ModuleError(_("Module package %(package)s cannot be found.", package=package))
    tree = ast.parse(Path(spec.origin).read_text(encoding="utf-8"), spec.origin)
    for node in tree.body:
        if (isinstance(node, ast.Assign) and len(node.targets) == 1
                and getattr(node.targets[0], "id", None) == "MANIFEST"):
            try:
                data = ast.literal_eval(node.value)
            except ValueError as exc:
                raise ModuleError(_("The MANIFEST of %(package)s must be a literal dict.",
                                    package=package)) from exc
            return manifest_from_dict(data, package)
    raise ModuleError(_("Package %(package)s has no MANIFEST.", package=package))


def manifest_from_dict(data: dict[str, Any], package: str = "") -> Manifest:
    """Validate a manifest dict: exactly the known keys, a name and a version."""
    unknown = set(data) - MANIFEST_KEYS
    missing = {"name", "version"} - set(data)
    if unknown or missing:
        raise ModuleError(_("Manifest of %(package)s: unknown keys %(unknown)s, "
                            "missing keys %(missing)s.", package=package or data.get("name"),
                            unknown=sorted(unknown), missing=sorted(missing)))
    grants = data.get("grants", {})
    bad = {f"{role}={level}" for role, level in dict(grants).items()
           if role not in GRANT_ROLES or level not in GRANT_LEVELS} if isinstance(
        grants, dict) else {"grants must be a dict"}
    if bad:
        raise ModuleError(_("Manifest of %(package)s: grants %(bad)s are not allowed (roles "
                            "%(roles)s; levels read, write).", package=package or data["name"],
                            bad=sorted(bad), roles=", ".join(GRANT_ROLES)))
    return Manifest(name=data["name"], version=str(data["version"]),
                    summary=data.get("summary", ""), depends=tuple(data.get("depends", ())),
                    package=package, grants=tuple(sorted(grants.items())))


class ModuleRegistry:
    """The plugin manager plus what we know of each module."""

    def __init__(self) -> None:
        self.pm = pluggy.PluginManager(hookspecs.PROJECT)
        self.pm.add_hookspecs(hookspecs)
        from core.reactions import CORE_REACTIONS, CoreReactions

        # The core's own reactions, always on, after the modules' (core.reactions).
        self.pm.register(CoreReactions(), name=CORE_REACTIONS)
        self.modules: dict[str, ModuleInfo] = {}
        # Modules that failed to load or register: name -> the reason, in one line. They
        # are treated as not installed; everything else keeps working.
        self.broken: dict[str, str] = {}
        self._subsets: dict[frozenset[str], BrandHooks] = {}

    # -- loading ------------------------------------------------------------------------

    def discover(self) -> ModuleRegistry:
        """Load every module advertised in the ``directcrm.plugins`` entry-point group."""
        loaded: list[tuple[Manifest, Any]] = []
        for ep in entry_points(group=ENTRY_POINT_GROUP):
            try:
                manifest = read_manifest(ep.value)
                if manifest.name != ep.name:
                    raise ModuleError(_("Entry point %(ep)s names module %(name)s.",
                                        ep=ep.name, name=manifest.name))
                _add_module_hookspecs(self.pm, ep.value)
                loaded.append((manifest, _import_impl(ep.value)))
            except Exception as exc:  # noqa: BLE001 - one module must not take all down
                self.broken[ep.name] = _reason(exc)
        self.register_all(loaded, isolate=True)
        return self

    def register_all(self, modules: Iterable[tuple[Manifest, Any]], *,
                     isolate: bool = False) -> None:
        """Register modules in dependency order. A missing or circular dependency, or a
        hook no spec knows (a misspelt name), raises ModuleError; with ``isolate`` the
        module concerned (and those that depend on it) is recorded in :attr:`broken`
        instead and the others are registered."""
        pending = {m.name: (m, impl) for m, impl in modules}
        while True:  # drop modules whose dependencies are missing, until none is left
            known = set(self.modules) | set(pending)
            missing = {name: dep for name, (m, _i) in pending.items() for dep in m.depends
                       if dep not in known}
            if not missing:
                break
            for name, dep in missing.items():
                error = ModuleError(_("Module %(name)s depends on %(dep)s, which is not "
                                      "installed.", name=name, dep=dep))
                if not isolate:
                    raise error
                self.broken[name] = error.message
                pending.pop(name)
        graph = {name: set(m.depends) for name, (m, _i) in pending.items()}
        try:
            order = list(graphlib.TopologicalSorter(graph).static_order())
        except graphlib.CycleError as exc:
            error = ModuleError(_("Circular module dependency: %(cycle)s.",
                                  cycle=" → ".join(exc.args[1])))
            if not isolate:
                raise error from exc
            for name in exc.args[1]:
                self.broken[name] = error.message
                pending.pop(name, None)
            return self.register_all([pending[n] for n in pending], isolate=True)
        for name in order:
            if name not in pending:
                continue
            if any(dep in self.broken for dep in pending[name][0].depends):
                self.broken[name] = _("Module %(name)s depends on a module that could not "
                                      "be loaded.", name=name)
                continue
            self._register(*pending[name])
            try:
                self.pm.check_pending()
            except pluggy.PluginValidationError as exc:
                if not isolate:
                    raise
                self._unregister(name)
                self.broken[name] = _reason(exc)
        return None

    def mark_broken(self, name: str, reason: str) -> None:
        """Take a module that failed after loading (its commands or views raised) out of
        the installation: it is then treated as not installed."""
        if name in self.modules:
            self._unregister(name)
        self.broken[name] = reason[:300]

    def _unregister(self, name: str) -> None:
        info = self.modules.pop(name)
        self.pm.unregister(info.impl)
        self._subsets.clear()

    def _register(self, manifest: Manifest, impl: Any) -> None:
        self.pm.register(impl, name=manifest.name)
        hooks = sorted(h.name for h in self.pm.get_hookcallers(impl) or [])
        self.modules[manifest.name] = ModuleInfo(manifest=manifest, impl=impl, hooks=hooks)
        self._subsets.clear()

    # -- queries ------------------------------------------------------------------------

    def get(self, name: str) -> ModuleInfo:
        """The module called ``name``, or a clear error naming the installed ones."""
        try:
            return self.modules[name]
        except KeyError:
            raise ModuleError(_("Unknown module %(name)s (installed: %(known)s).",
                                name=name, known=", ".join(sorted(self.modules)) or "-")) \
                from None

    def ordered_names(self) -> list[str]:
        """Module names in dependency order (dependencies first)."""
        graph = {n: set(m.manifest.depends) for n, m in self.modules.items()}
        return list(graphlib.TopologicalSorter(graph).static_order())

    def dependents(self, name: str) -> list[str]:
        """Modules that declare ``name`` as a dependency."""
        return sorted(n for n, m in self.modules.items() if name in m.manifest.depends)

    def hooks_for(self, enabled: Iterable[str]) -> BrandHooks:
        """Hook callers that reach only the ``enabled`` modules (cached per set)."""
        key = frozenset(enabled)
        relay = self._subsets.get(key)
        if relay is None:
            relay = self._subsets[key] = BrandHooks(self, key)
        return relay

    def all_hooks(self) -> Any:
        """Hook callers reaching every installed module (installation-wide contributions)."""
        return self.pm.hook


class BrandHooks:
    """Attribute access to hook callers limited to a set of enabled modules."""

    def __init__(self, registry: ModuleRegistry, enabled: frozenset[str]) -> None:
        self._registry = registry
        self._remove = [registry.modules[n].impl for n in registry.modules if n not in enabled]
        self._callers: dict[str, Any] = {}
        # The settings these modules and the core declare (core.services.settings.declared).
        self.declared_settings: dict[str, Any] | None = None

    def __getattr__(self, name: str) -> Any:
        if not name.startswith("crm_"):
            raise AttributeError(name)
        caller = self._callers.get(name)
        if caller is None:
            caller = self._registry.pm.subset_hook_caller(name, remove_plugins=self._remove)
            self._callers[name] = caller
        return caller


def _reason(exc: BaseException) -> str:
    """One line saying why a module could not be loaded."""
    text = getattr(exc, "message", None) or str(exc) or type(exc).__name__
    return f"{type(exc).__name__}: {text}".splitlines()[0][:300]


def _add_module_hookspecs(pm: pluggy.PluginManager, package: str) -> None:
    """A module may define hooks of its own in ``<package>/hookspecs.py`` (e.g. loyalty's
    tier change); other modules implement them with ``@hookimpl(optionalhook=True)``."""
    if importlib.util.find_spec(f"{package}.hookspecs") is not None:
        pm.add_hookspecs(importlib.import_module(f"{package}.hookspecs"))


def _import_impl(package: str) -> ModuleType:
    try:
        return importlib.import_module(f"{package}.plugin")
    except ModuleNotFoundError as exc:
        if exc.name == f"{package}.plugin":
            raise ModuleError(_("Module package %(package)s has no plugin.py.",
                                package=package)) from exc
        raise


_default: ModuleRegistry | None = None


def default_registry() -> ModuleRegistry:
    """The process-wide registry of discovered modules (loaded once)."""
    global _default
    if _default is None:
        _default = ModuleRegistry().discover()
    return _default
