"""Extract every translatable string of the core and the built-in plugins, and update the
catalogs: ``python -m core.i18n_extract``.

Reads ``locales/babel.cfg`` (Python sources and Jinja templates under ``core/`` and
``plugins/``), writes ``locales/directcrm.pot`` and merges it into
``locales/<locale>/LC_MESSAGES/directcrm.po`` for English, Simplified and Traditional
Chinese, keeping existing translations. The English catalog translates each message to
itself. ``missing_translations()`` is what the test uses to fail on untranslated strings.
"""

from __future__ import annotations

import copy
import sys
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.pofile import read_po, write_po

from core.i18n import LOCALES_DIR, SUPPORTED_LOCALES

ROOT = LOCALES_DIR.parent
DOMAIN = "directcrm"
SOURCE_DIRS = ("core", "plugins")
KEYWORDS = {**DEFAULT_KEYWORDS, "N_": None}


def _method_map() -> tuple[list[tuple[str, str]], dict[str, dict[str, str]]]:
    with (LOCALES_DIR / "babel.cfg").open(encoding="utf-8") as fh:
        method_map, options_map = parse_mapping_cfg(fh)
    # Name the Jinja extractor explicitly (no reliance on installed entry points).
    fixed = [(pattern, "jinja2.ext:babel_extract" if method == "jinja2" else method)
             for pattern, method in method_map]
    return fixed, options_map


def extract(root: Path = ROOT) -> Catalog:
    """The template catalog of every message in ``core/`` and ``plugins/``."""
    method_map, options_map = _method_map()
    template = Catalog(project="directcrm", domain=DOMAIN, charset="utf-8")
    for folder in SOURCE_DIRS:
        # Patterns in babel.cfg are relative to the repository root.
        prefixed = [(pattern.removeprefix(f"{folder}/"), method)
                    for pattern, method in method_map if pattern.startswith(f"{folder}/")]
        options = {k.removeprefix(f"{folder}/"): v for k, v in options_map.items()}
        for filename, lineno, message, comments, context in extract_from_dir(
                root / folder, prefixed, options, keywords=KEYWORDS, comment_tags=("TRANSLATORS:",),
                strip_comment_tags=True):
            if not message or (isinstance(message, tuple) and not message[0]):
                continue
            template.add(message, None, [(f"{folder}/{filename}", lineno)],
                         auto_comments=comments, context=context)
    for message, location in cli_help_messages(root):
        template.add(message, None, [location], auto_comments=["command-line help"])
    return template


def cli_help_messages(root: Path = ROOT) -> list[tuple[str, tuple[str, int]]]:
    """The help texts of the core's commands and the built-in modules' (docstrings and
    ``help=`` of commands and options), with where each command is defined: they are
    msgids too (``core.cli.help_i18n`` translates them when a command line is parsed)."""
    import importlib
    import inspect
    import pkgutil

    import click

    import plugins
    from core.cli import cli
    from core.cli.help_i18n import _DOMAIN, source_texts

    roots: list[click.Command] = [cli]
    for info in pkgutil.iter_modules(plugins.__path__):
        try:
            module = importlib.import_module(f"plugins.{info.name}.cli")
        except ModuleNotFoundError:
            continue
        roots += [v for v in vars(module).values() if isinstance(v, click.Command)]
    found: list[tuple[str, tuple[str, int]]] = []

    def walk(command: click.Command) -> None:
        callback = inspect.unwrap(command.callback) if command.callback else None
        try:
            path = Path(inspect.getsourcefile(callback)).resolve().relative_to(root)  # type: ignore[arg-type]
            line = inspect.getsourcelines(callback)[1]  # type: ignore[arg-type]
        except ValueError:
            return  # a third-party module's command (loaded by an earlier command line)
        except (TypeError, OSError):
            path, line = Path("core/cli/__init__.py"), 1
        if path.parts[0] not in SOURCE_DIRS:
            return  # the example module's, also third-party
        domain = getattr(command, _DOMAIN, None)
        if domain and not (root / "plugins" / domain).is_dir():
            return  # made by the core for a third-party module (its import kind's command)
        found.extend((text, (str(path), line)) for text in source_texts(command))
        if isinstance(command, click.Group):
            for sub in command.commands.values():
                walk(sub)

    for command in roots:
        walk(command)
    return found


def catalog_path(locale: str) -> Path:
    return LOCALES_DIR / locale / "LC_MESSAGES" / f"{DOMAIN}.po"


def read_catalog(locale: str) -> Catalog:
    """A locale's catalog, or an empty one."""
    path = catalog_path(locale)
    if not path.exists():
        return Catalog(locale=locale, domain=DOMAIN, project="directcrm", charset="utf-8")
    with path.open("rb") as fh:
        return read_po(fh, locale=locale, domain=DOMAIN)


def update(template: Catalog) -> dict[str, int]:
    """Merge ``template`` into each locale's catalog; returns untranslated counts."""
    missing = {}
    for locale in SUPPORTED_LOCALES:
        catalog = read_catalog(locale)
        # Catalog.update shares Message objects with the template: give each a copy.
        catalog.update(copy.deepcopy(template), no_fuzzy_matching=True,
                       update_header_comment=False)
        for message in catalog:
            if message.id and locale == "en" and not _translated(message.string):
                message.string = message.id
        path = catalog_path(locale)
        path.parent.mkdir(parents=True, exist_ok=True)
        with path.open("wb") as fh:
            write_po(fh, catalog, width=100, omit_header=False, ignore_obsolete=True,
                     sort_output=True)
        missing[locale] = sum(1 for m in catalog if m.id and not _translated(m.string))
    return missing


def _translated(string: str | tuple[str, ...] | None) -> bool:
    if isinstance(string, tuple):
        return all(string)
    return bool(string)


def missing_translations(template: Catalog | None = None) -> dict[str, list[str]]:
    """Per locale, the extracted messages its catalog does not translate."""
    template = template or extract()
    out: dict[str, list[str]] = {}
    for locale in SUPPORTED_LOCALES:
        catalog = read_catalog(locale)
        gaps = []
        for message in template:
            if not message.id:
                continue
            found = catalog.get(message.id, context=message.context)
            if found is None or not _translated(found.string) or found.fuzzy:
                gaps.append(message.id if isinstance(message.id, str) else message.id[0])
        out[locale] = gaps
    return out


def main() -> int:
    template = extract()
    with (LOCALES_DIR / f"{DOMAIN}.pot").open("wb") as fh:
        write_po(fh, template, width=100, sort_output=True)
    missing = update(template)
    print(f"{len(template)} messages; untranslated: "
          + ", ".join(f"{k} {v}" for k, v in missing.items()))
    return 0


if __name__ == "__main__":
    sys.exit(main())
