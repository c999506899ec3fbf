"""Hook implementations of the compliance module."""

from __future__ import annotations

from core.context import Ctx
from core.hookspecs import hookimpl


@hookimpl
def crm_install(ctx: Ctx) -> None:
    """Pick the rule pack of the brand's jurisdiction (features come with the compliance issue)."""
