"""Translations for the core and plugins, usable outside a Flask request.

Catalogs live in ``locales/<locale>/LC_MESSAGES/<domain>.po`` (compiled to ``.mo`` at install
time; the ``.po`` is read directly when no ``.mo`` exists, so a source checkout works).
The core's domain is ``directcrm``; each built-in plugin has its own domain named after it
(``directcrm_loyalty``...), and a third-party plugin registers its own folder with
``register_catalog``. The active locale is a context variable set at the edge (CLI option,
web request, report renderer); services only call ``_``.
"""

from __future__ import annotations

import contextvars
from collections.abc import Iterator
from contextlib import contextmanager
from functools import cache
from pathlib import Path

from babel.messages.mofile import read_mo
from babel.messages.pofile import read_po
from babel.support import NullTranslations, Translations

LOCALES_DIR = Path(__file__).resolve().parent.parent / "locales"
SUPPORTED_LOCALES = ("en", "zh_Hans_CN", "zh_Hant_TW")
DEFAULT_LOCALE = "en"

_current: contextvars.ContextVar[str] = contextvars.ContextVar("directcrm_locale",
                                                               default=DEFAULT_LOCALE)
_catalog_dirs: list[tuple[Path, str]] = []


def register_catalog(directory: Path, domain: str) -> None:
    """Add a plugin's catalog folder (``<dir>/<locale>/LC_MESSAGES/<domain>.po``)."""
    if (directory, domain) not in _catalog_dirs:
        _catalog_dirs.append((directory, domain))
        translations.cache_clear()
        domain_translations.cache_clear()


def _load(path_po: Path) -> NullTranslations | None:
    mo = path_po.with_suffix(".mo")
    if mo.exists() and mo.stat().st_mtime >= path_po.stat().st_mtime:
        with mo.open("rb") as fh:
            return Translations(fh)
    if not path_po.exists():
        return None
    with path_po.open("rb") as fh:
        catalog = read_po(fh)
    import io

    from babel.messages.mofile import write_mo

    buf = io.BytesIO()
    write_mo(buf, catalog)
    buf.seek(0)
    return Translations(buf)


@cache
def translations(locale: str) -> NullTranslations:
    """Merged translations of every registered domain for one locale."""
    merged: NullTranslations = NullTranslations()
    sources = [(LOCALES_DIR, "directcrm"), *_catalog_dirs]
    for directory, domain in sources:
        loaded = _load(directory / locale / "LC_MESSAGES" / f"{domain}.po")
        if loaded is None:
            continue
        if isinstance(merged, Translations):
            merged.merge(loaded)  # type: ignore[arg-type]
        else:
            merged = loaded
    return merged


@cache
def core_translations(locale: str) -> NullTranslations:
    """The core's own catalog for one locale (no module catalogs)."""
    return _load(LOCALES_DIR / locale / "LC_MESSAGES" / "directcrm.po") or NullTranslations()


def gettext_core(message: str, **params: object) -> str:
    """Like :func:`gettext`, but the core's catalog wins over modules' catalogs.

    For the core's own screens: a module's catalog may give a shared msgid its own meaning
    (a report column "Reps" = number of reps) without renaming the core's menus.
    """
    locale = current_locale()
    text = core_translations(locale).ugettext(message)
    if text == message:
        text = translations(locale).ugettext(message)
    return text % params if params else text


@cache
def domain_translations(domain: str, locale: str) -> NullTranslations | None:
    """One registered domain's own catalog for a locale (None when it has none)."""
    for directory, name in _catalog_dirs:
        if name == domain:
            loaded = _load(directory / locale / "LC_MESSAGES" / f"{domain}.po")
            if loaded is not None:
                return loaded
    return None


class ModuleTranslations:
    """A module's own ``_`` and ``ngettext``: its catalog first, then the merged ones.

    The merged catalog gives one translation per msgid, and the core's wins; a module
    whose "Visits" means something else than the core's uses its own::

        tr = module_translations("acme_visits")
        _, ngettext = tr.gettext, tr.ngettext

    Register the catalog folder first (:func:`register_catalog`). In a module's templates,
    pass ``_=tr.gettext`` to the page so its strings resolve the same way.
    """

    def __init__(self, domain: str) -> None:
        self.domain = domain

    def gettext(self, message: str, /, **params: object) -> str:
        """``message`` in the current locale, from the module's catalog first."""
        locale = current_locale()
        own = domain_translations(self.domain, locale)
        text = own.ugettext(message) if own is not None else message
        if text == message:
            text = translations(locale).ugettext(message)
        return text % params if params else text

    def ngettext(self, singular: str, plural: str, n: int, /, **params: object) -> str:
        """Plural-aware, from the module's catalog first; ``n`` is ``%(num)d``."""
        locale = current_locale()
        own = domain_translations(self.domain, locale)
        fallback = singular if n == 1 else plural
        text = own.ungettext(singular, plural, n) if own is not None else fallback
        if text == fallback:
            text = translations(locale).ungettext(singular, plural, n)
        return text % {"num": n, **params}


def module_translations(domain: str) -> ModuleTranslations:
    """The translation functions of a module's own domain (see :class:`ModuleTranslations`)."""
    return ModuleTranslations(domain)


def normalise_locale(locale: str | None) -> str:
    """Map loose spellings (``zh_CN``, ``zh-Hant``, ``en_US``) to a supported locale."""
    if not locale:
        return DEFAULT_LOCALE
    key = locale.replace("-", "_").lower()
    if key.startswith("zh"):
        return "zh_Hant_TW" if ("hant" in key or key.endswith(("_tw", "_hk", "_mo"))) \
            else "zh_Hans_CN"
    return "en"


def current_locale() -> str:
    """The locale of the current CLI command, request or report."""
    return _current.get()


@contextmanager
def use_locale(locale: str | None) -> Iterator[str]:
    """Make ``locale`` current for the block."""
    token = _current.set(normalise_locale(locale))
    try:
        yield _current.get()
    finally:
        _current.reset(token)


def set_locale(locale: str | None) -> None:
    """Set the current locale for the rest of this context (CLI entry points)."""
    _current.set(normalise_locale(locale))


def gettext(message: str, /, **params: object) -> str:
    """Translate ``message`` into the current locale and fill ``%(name)s`` parameters."""
    text = translations(current_locale()).ugettext(message)
    return text % params if params else text


def ngettext(singular: str, plural: str, n: int, /, **params: object) -> str:
    """Plural-aware translation; ``n`` is available as ``%(num)d``."""
    text = translations(current_locale()).ungettext(singular, plural, n)
    return text % {"num": n, **params}


def N_(message: str) -> str:  # noqa: N802 - the conventional name for "mark for extraction"
    """Mark ``message`` for extraction without translating it now (labels translated
    when shown, in the reader's language)."""
    return message


_ = gettext

__all__ = ["_", "N_", "ModuleTranslations", "gettext", "gettext_core", "module_translations",
           "ngettext", "use_locale", "set_locale", "current_locale", "register_catalog",
           "normalise_locale", "SUPPORTED_LOCALES", "read_mo"]
