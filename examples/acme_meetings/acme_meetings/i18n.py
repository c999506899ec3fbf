"""The module's translations: its own catalog (``locales/``) first, then the core's.

Import ``_`` and ``ngettext`` from here, not from ``core.api``: a msgid the core (or
another module) also translates keeps this module's meaning.
"""

from __future__ import annotations

from pathlib import Path

from core.api import module_translations, register_catalog

register_catalog(Path(__file__).resolve().parent / "locales", "acme_meetings")
_translations = module_translations("acme_meetings")
_ = _translations.gettext
ngettext = _translations.ngettext
