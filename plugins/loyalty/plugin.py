"""Hook implementations of the loyalty module."""

from __future__ import annotations

from core.context import Ctx
from core.hookspecs import hookimpl


@hookimpl
def crm_install(ctx: Ctx) -> None:
    """Give the brand the default programme settings (features come with the loyalty issue)."""
