"""The dashboard: this month's figures and four charts drawn as SVG on the server."""

from __future__ import annotations

import datetime as dt
from typing import Any

from flask_appbuilder import expose, has_access

from core.analytics.figures import figures
from core.i18n import gettext_core as _
from core.services.figures import dashboard_figures
from core.services.settings import get_setting
from core.web import charts, formatting, labels
from core.web.context import crm_ctx, rep_of_user
from core.web.views.base import CrmView, not_found_on_missing

# The scheme the dashboard counts customers by (core.services.figures._segment_counts).
SEGMENT_CHART_SCHEME = "abc"


class DashboardView(CrmView):
    """``/dashboard/``."""

    route_base = "/dashboard"
    class_permission_name = "Dashboard"
    default_view = "index"
    method_permission_name = {"index": "read"}

    @expose("/")
    @has_access
    @not_found_on_missing
    def index(self) -> Any:
        ctx = crm_ctx()
        fig = dashboard_figures(ctx)
        month_labels = [formatting.date(dt.date(int(k[:4]), int(k[5:]), 1),
                                        ctx.locale, "MMM") for k in fig.months]
        currency = ctx.brand.currency

        def money_axis(v: float) -> str:
            return formatting.money(int(v), currency, ctx.locale).replace(".00", "")

        svgs = {
            "sales": charts.bar_chart(month_labels, fig.sales, fmt=money_axis,
                                      title=_("Sales by month"), width=1120, height=260),
            "new": charts.bar_chart(month_labels, fig.new_customers, color=charts.PALETTE[1],
                                    title=_("New customers by month")),
            "stages": charts.hbar_chart([(labels.label("stage", s), n) for s, n in fig.stages],
                                        title=_("Customers by lifecycle stage")),
            "segments": charts.hbar_chart(
                [(labels.segment_label(SEGMENT_CHART_SCHEME, s), n) for s, n in fig.segments],
                title=_("Customers by ABC segment (Pareto)"))
            if fig.segments else None,
            "overdue": charts.hbar_chart(fig.overdue_by_rep, title=_("Overdue tasks by rep"))
            if fig.overdue_by_rep else None,
        }
        own = rep_of_user(ctx)  # a rep sees their own figures, not the brand's
        brand_or_rep = (figures(ctx, own.rep_ref) if own else
                        figures(ctx) if not ctx.acts_as_rep else None)
        sections = [] if own or ctx.acts_as_rep else sorted(
            (sec for secs in ctx.hooks.crm_dashboard_sections(ctx=ctx) for sec in (secs or ())),
            key=lambda s: (s.order, s.key))
        abc = {"a": get_setting(ctx, "segmentation.abc_a_share"),
               "b": get_setting(ctx, "segmentation.abc_b_share"),
               "days": get_setting(ctx, "segmentation.window_days")}
        return self.page("crm/dashboard.html", fig=fig, svgs=svgs, figures=brand_or_rep, abc=abc,
                         sections=sections, title=_("Dashboard"))
