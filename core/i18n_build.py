"""Compile every ``.po`` catalog under ``locales/`` (and the plugins' own) to ``.mo``.

Run at install time by ``.ci/setup``; ``python -m core.i18n_build``.
"""

from __future__ import annotations

from pathlib import Path

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

from core.i18n import LOCALES_DIR


def compile_all(root: Path = LOCALES_DIR) -> int:
    """Compile every catalog below ``root``; returns how many were written."""
    count = 0
    for po in sorted(root.glob("*/LC_MESSAGES/*.po")):
        with po.open("rb") as fh:
            catalog = read_po(fh)
        with po.with_suffix(".mo").open("wb") as fh:
            write_mo(fh, catalog)
        count += 1
    return count


if __name__ == "__main__":
    print(f"compiled {compile_all()} catalogs")
