"""What every part of the kyc module shares."""

from __future__ import annotations

from core.api import Ctx, require_module

MODULE = "kyc"


def require_enabled(ctx: Ctx) -> None:
    """Refuse direct calls for a brand that has not enabled the module."""
    require_module(ctx, MODULE)
