"""Hooks the loyalty module offers to other modules.

``core.plugins`` adds these specs automatically when it discovers the module. Another
module implements them with ``@hookimpl(optionalhook=True)`` (so it still loads when
loyalty is not installed) and receives them only for brands that enabled both modules.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from core.api import hookspec

if TYPE_CHECKING:
    from core.api import Ctx
    from plugins.loyalty.tiers import TierChanged


@hookspec
def crm_loyalty_tier_changed(ctx: Ctx, changes: Sequence[TierChanged]) -> None:
    """Customers moved between membership tiers (one call per evaluated batch).

    :param ctx: the brand whose members moved.
    :param changes: each customer's old tier code (None on first placement), new tier code,
        the rolling metric that decided it, the reason (``paid_order``, ``scheduled``) and
        the time.
    :return: nothing.
    """
