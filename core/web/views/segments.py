"""``/segments/``: the segments stored for the brand, per scheme, and the button that
queues the brand's full recompute as a background job (one at a time per brand); the job's
page shows its progress and the changes per scheme."""

from __future__ import annotations

from typing import Any

from flask import abort
from flask_appbuilder import expose, has_access

from core.i18n import gettext_core as _
from core.jobqueue.services import status_label
from core.labels import label, segment_label
from core.segmentation.background import recompute_jobs, start_recompute
from core.segmentation.services import stored_overview
from core.web import roles
from core.web.context import crm_ctx
from core.web.views.base import CrmView, not_found_on_missing
from core.web.views.jobs import redirect_to_job

#: Segments listed per scheme (the most populated first when a scheme has more).
MAX_SEGMENTS_SHOWN = 12


class SegmentsView(CrmView):
    """``/segments/``: stored segments per scheme; ``POST /segments/recompute``."""

    route_base = "/segments"
    class_permission_name = roles.SEGMENTS
    default_view = "index"
    method_permission_name = {"index": "read", "recompute": "write"}

    @expose("/")
    @has_access
    @not_found_on_missing
    def index(self) -> Any:
        ctx = crm_ctx()
        if ctx.acts_as_rep:
            abort(404)  # brand-wide figures
        active, last = recompute_jobs(ctx)
        schemes = []
        for s in stored_overview(ctx):
            counts = s.counts
            if len(counts) > MAX_SEGMENTS_SHOWN:  # RFM: 125 scores; the largest ones
                counts = sorted(counts, key=lambda c: -c[1])[:MAX_SEGMENTS_SHOWN]
            schemes.append({
                "code": s.scheme, "title": label("segment_scheme", s.scheme),
                "help": label("segment_scheme_help", s.scheme), "as_of": s.as_of,
                "customers": s.customers, "more": len(s.counts) - len(counts),
                "counts": [(seg, segment_label(s.scheme, seg), n) for seg, n in counts]})
        return self.page("crm/segments/index.html", schemes=schemes, active=active,
                         last=last, status_label=status_label, title=_("Segments"))

    @expose("/recompute", methods=["POST"])
    @has_access
    @not_found_on_missing
    def recompute(self) -> Any:
        ctx = crm_ctx()
        if ctx.acts_as_rep:
            abort(404)
        return redirect_to_job(start_recompute(ctx))
