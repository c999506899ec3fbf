"""What every part of the kyc module shares."""

from __future__ import annotations

from core.api import Ctx, ModuleError, _

MODULE = "kyc"


def require_enabled(ctx: Ctx) -> None:
    """Refuse direct calls for a brand that has not enabled the module."""
    if MODULE not in ctx.enabled_modules:
        assert ctx.brand is not None
        raise ModuleError(_("The kyc module is not enabled for brand %(brand)s.",
                            brand=ctx.brand.code))
