"""Personal-information impact assessments (P7): a register with review reminders.

An assessment is required before handling sensitive data, automated decisions, sharing,
publishing or sending data abroad (PIPL arts. 55-56) and is kept for three years or more.
Each has a review date; the daily job creates one task per assessment due for review.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from marshmallow import ValidationError as SchemaError
from marshmallow import fields, validate, validates_schema
from sqlalchemy import func, select

from core.api import (
    N_,
    BrandScopedSchema,
    Ctx,
    Day,
    _,
    clean_row,
    insert_tasks,
    load_or_raise,
    register_labels,
    register_stored_texts,
    task_row,
    use_locale,
)
from plugins.kyc.common import require_enabled
from plugins.kyc.identity import add_months
from plugins.kyc.models import Assessment

# Task titles written in the brand's language, shown in the reader's.
register_stored_texts((
    N_("Review impact assessment %(ref)s (due %(day)s)"),
))

TRIGGERS = ("sensitive_data", "automated_decision", "sharing", "publishing", "cross_border",
            "other")
REVIEW_KIND = "kyc_assessment_review"
register_labels("task_kind", {REVIEW_KIND: N_("Impact assessment review")}, _)


class AssessmentSchema(BrandScopedSchema):
    scope = fields.String(required=True, validate=validate.Length(min=1, max=2000))
    trigger = fields.String(required=True, validate=validate.OneOf(TRIGGERS))
    assessed_on = Day(required=True)
    decision = fields.String(required=True, validate=validate.Length(min=1, max=4000))
    review_on = Day()

    @validates_schema
    def _review_after(self, data: Mapping[str, Any], **kw: Any) -> None:
        if data.get("review_on") and data["review_on"] <= data["assessed_on"]:
            raise SchemaError(_("Must be after %(column)s.", column="assessed_on"),
                              "review_on")


def add_assessment(ctx: Ctx, data: Mapping[str, Any]) -> Assessment:
    """Record an assessment; without a review date it is reviewed after a year."""
    require_enabled(ctx)
    values = load_or_raise(AssessmentSchema(tz=ctx.tz), clean_row(data))
    with ctx.write():
        count = ctx.session.scalar(select(func.count()).select_from(Assessment).where(
            Assessment.brand_id == ctx.brand_id)) or 0
        row = Assessment(
            brand_id=ctx.brand_id, assessment_ref=f"PIA-{count + 1:04d}",
            scope=values["scope"], trigger=values["trigger"],
            assessed_on=values["assessed_on"], decision=values["decision"],
            review_on=values.get("review_on") or add_months(values["assessed_on"], 12),
            assessed_by=ctx.user, created_at=ctx.now())
        ctx.session.add(row)
    return row


def list_assessments(ctx: Ctx) -> list[Assessment]:
    """The register, next review first."""
    require_enabled(ctx)
    return list(ctx.session.scalars(select(Assessment).where(
        Assessment.brand_id == ctx.brand_id).order_by(Assessment.review_on, Assessment.id)))


def create_review_tasks(ctx: Ctx) -> int:
    """One task per assessment whose review date has come (for each review date once),
    for the brand's back office (no rep)."""
    today = ctx.local_today()
    due = [a for a in list_assessments(ctx) if a.review_on <= today]
    assert ctx.brand is not None
    with use_locale(ctx.brand.default_locale):
        rows = [task_row(ctx, rule_key=f"kyc:pia:{a.assessment_ref}:{a.review_on}",
                         kind=REVIEW_KIND, due_at=ctx.now(), customer_id=None, rep_id=None,
                         title=_("Review impact assessment %(ref)s (due %(day)s)",
                                 ref=a.assessment_ref, day=a.review_on))
                for a in due]
    with ctx.write():
        return insert_tasks(ctx, rows)

