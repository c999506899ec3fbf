"""The core's own reactions to its events, registered the way a module's hooks are.

They are always on (whatever modules a brand enabled) and run after every module's
implementation (``trylast``): the order of reactions to an event is pluggy's, visible
here and in ``directcrm plugins``, the same for a live write and an import batch.
"""

from __future__ import annotations

from collections.abc import Sequence

from core.context import Ctx
from core.events import OrderCancelled, OrderPaid
from core.hookspecs import hookimpl

CORE_REACTIONS = "core"


class CoreReactions:
    """Lifecycle stages and lead conversion follow paid and cancelled orders."""

    @hookimpl(trylast=True)
    def crm_order_paid(self, ctx: Ctx, orders: Sequence[OrderPaid]) -> None:
        """A paid order moves its customer's lifecycle stage and converts their leads."""
        from core.leads.conversion import convert_leads
        from core.services.lifecycle import refresh_stages

        customers = sorted({o.customer_id for o in orders})
        refresh_stages(ctx, customers)
        convert_leads(ctx, customers)

    @hookimpl(trylast=True)
    def crm_order_cancelled(self, ctx: Ctx, orders: Sequence[OrderCancelled]) -> None:
        """A cancelled paid order may take its customer back a lifecycle stage."""
        from core.services.lifecycle import refresh_stages

        refresh_stages(ctx, sorted({o.customer_id for o in orders}))
