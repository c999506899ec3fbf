"""Command help in the user's language.

Help texts are English msgids: a module marks them with ``N_`` (``help=N_("Brand
code.")``, ``@group.command("visit", help=N_("Record a home visit."))``) so its
extraction finds them, and ships their translations in its own catalog. Before click
parses a command line, :func:`localise_help` puts every command's help, short help and
option help into the language of ``--locale`` / ``DIRECTCRM_LOCALE`` (``--help`` included,
at any depth), reading a module's commands from the module's catalog first
(:func:`set_help_domain`, done when the module's commands are added). The English source
texts are kept, so the language can change between invocations in one process.
"""

from __future__ import annotations

import os
from collections.abc import Iterator, Sequence

import click

from core.i18n import gettext_core, module_translations, normalise_locale, use_locale

_SOURCE = "_directcrm_help_source"
_DOMAIN = "_directcrm_help_domain"
ENV_LOCALE = "DIRECTCRM_LOCALE"


def set_help_domain(command: click.Command, domain: str) -> None:
    """Translate ``command`` and its subcommands from ``domain``'s catalog first."""
    for cmd in _walk(command):
        setattr(cmd, _DOMAIN, domain)


def requested_locale(args: Sequence[str]) -> str:
    """The locale a command line asks for: ``--locale X`` / ``--locale=X`` before the
    command's name, else ``DIRECTCRM_LOCALE``, else English."""
    value = os.environ.get(ENV_LOCALE)
    for i, arg in enumerate(args):
        if not arg.startswith("-"):
            break  # options of the root group come before the first command name
        if arg == "--locale" and i + 1 < len(args):
            value = args[i + 1]
        elif arg.startswith("--locale="):
            value = arg.split("=", 1)[1]
    return normalise_locale(value)


def source_texts(command: click.Command) -> list[str]:
    """The English help texts of one command (its own and its options'), whatever
    language the tree was last localised into: the msgids to translate."""
    source = command.__dict__.get(_SOURCE)
    if source is None:
        texts = [command.help, command.short_help]
        texts += [p.help for p in command.params if isinstance(p, click.Option)]
    else:
        texts = [source["help"], source["short_help"]]
        texts += [t for p, t in zip(command.params, source["params"], strict=False)
                  if isinstance(p, click.Option)]
    return [t for t in texts if t]


def localise_help(root: click.Command, locale: str) -> None:
    """Put the help texts of ``root``'s whole tree into ``locale``."""
    with use_locale(locale):
        for cmd in _walk(root):
            source = cmd.__dict__.get(_SOURCE)
            if source is None:
                source = cmd.__dict__[_SOURCE] = {
                    "help": cmd.help, "short_help": cmd.short_help,
                    "params": [getattr(p, "help", None) for p in cmd.params]}
            domain = getattr(cmd, _DOMAIN, None)
            tr = module_translations(domain).gettext if domain else gettext_core
            cmd.help = _tr(tr, source["help"])
            cmd.short_help = _tr(tr, source["short_help"])
            for param, text in zip(cmd.params, source["params"], strict=False):
                if isinstance(param, click.Option):
                    param.help = _tr(tr, text)


def _tr(tr: object, text: str | None) -> str | None:
    if not text:
        return text
    return tr(text)  # type: ignore[operator]


def _walk(command: click.Command) -> Iterator[click.Command]:
    yield command
    if isinstance(command, click.Group):
        for sub in command.commands.values():
            yield from _walk(sub)


class LocalisedGroup(click.Group):
    """The root group: localises the help of the whole tree before parsing."""

    def make_context(self, info_name: str | None, args: list[str],
                     parent: click.Context | None = None, **extra: object) -> click.Context:
        localise_help(self, requested_locale(args))
        return super().make_context(info_name, args, parent, **extra)  # type: ignore[arg-type]
