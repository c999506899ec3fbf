"""The brand's public complaint form: ``/complaint/<BRAND>/<TOKEN>`` (no login,
phone-sized, three languages, rate-limited per address, with the brand's notice).

The token is the brand's published complaint line (``directcrm complaints link``), signed
for this purpose with the installation's key and carrying the setting
``complaints.public_link_version``: raising the version retires every link printed before.
A complaint left there becomes a ticket of channel ``web_form``, attached to the customer
whose phone it is (keyed lookup hash), else kept as an unidentified caller's.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from flask import Blueprint, abort, request
from sqlalchemy import select

from core.api import (
    N_,
    Customer,
    DomainError,
    NotFound,
    ValidationFailed,
    _,
    get_setting,
    phone_hash,
    read_token,
    sign_token,
    use_locale,
)
from core.api.web import public_ctx, register_public, render_public, visitor_locale
from plugins.complaints import services, surveys
from plugins.complaints.labels import choices

TEMPLATES = Path(__file__).resolve().parent / "templates"
PURPOSE = "complaint-line"
FIELDS = ("name", "phone", "category", "summary", "order_ref")

blueprint = Blueprint("complaints_public", __name__)


def link_token(ctx: Any) -> str:
    """The signed token of the brand's complaint line (its current version)."""
    assert ctx.brand is not None
    return sign_token({"b": ctx.brand.code,
                       "v": get_setting(ctx, "complaints.public_link_version")}, PURPOSE)


def _context(brand_code: str, token: str) -> Any:
    data = read_token(token, PURPOSE) if len(token) < 200 else None
    if not data or data.get("b") != brand_code:
        abort(404)
    try:
        ctx = public_ctx(brand_code, services.MODULE, "complaint-form")
    except NotFound:
        abort(404)
    if data.get("v") != get_setting(ctx, "complaints.public_link_version"):
        ctx.session.close()
        abort(404)
    return ctx


@blueprint.route("/complaint/<string:brand_code>/<string:token>", methods=["GET", "POST"])
def form(brand_code: str, token: str) -> Any:
    """The form: name, phone, what it is about, what happened, the notice."""
    ctx = _context(brand_code, token)
    try:
        locale = visitor_locale(ctx)
        with use_locale(locale):
            return _page(ctx, locale)
    finally:
        ctx.session.close()


def _page(ctx: Any, locale: str) -> Any:
    errors: dict[str, list[str]] = {}
    values = {k: "" for k in FIELDS}
    values["category"] = "product_quality"
    ref = None
    if request.method == "POST":
        values = {k: (request.form.get(k) or "").strip() for k in FIELDS}
        for key in ("name", "phone", "summary"):
            if not values[key]:
                errors[key] = [_("Missing data for required field.")]
        if request.form.get("agree") != "1":
            errors["agree"] = [_("Please agree to the notice to send your complaint.")]
        if not errors:
            customer_ref = ctx.session.scalar(select(Customer.customer_ref).where(
                Customer.brand_id == ctx.brand_id, Customer.merged_into_id.is_(None),
                Customer.phone_hash == phone_hash(values["phone"])))
            data = {"channel": "web_form", "category": values["category"],
                    "summary": values["summary"], "caller_name": values["name"],
                    "caller_phone": values["phone"]}
            if customer_ref:
                data["customer_ref"] = customer_ref
            if values["order_ref"] and customer_ref:
                data["order_ref"] = values["order_ref"]
            elif values["order_ref"]:
                data["summary"] = f"{values['summary']}\n({_('Order')}: {values['order_ref']})"
            try:
                ref = services.open_ticket(ctx, data).ref
            except ValidationFailed as exc:
                errors = {{"caller_name": "name", "caller_phone": "phone"}.get(k, k): v
                          for k, v in exc.errors.items()}
            except DomainError as exc:
                errors = {"_schema": [exc.message]}
    html = render_public(TEMPLATES, "complaints/public_form.html", ctx, locale,
                         values=values, errors=errors, ref=ref,
                         categories=choices("category"))
    return html, (422 if errors else 200)


QUESTIONS = {
    "csat": N_("How satisfied are you with how we handled your complaint?"),
    "nps": N_("How likely are you to recommend %(brand)s to a friend or colleague?"),
    "ces": N_("How easy was it to get what you needed from us?"),
}
ENDS = {"csat": (N_("Very dissatisfied"), N_("Very satisfied")),
        "nps": (N_("Not at all likely"), N_("Extremely likely")),
        "ces": (N_("Very difficult"), N_("Very easy"))}


@blueprint.route("/survey/<string:brand_code>/<string:token>", methods=["GET", "POST"])
def survey(brand_code: str, token: str) -> Any:
    """A one-time survey: one score on the kind's scale and a comment."""
    try:
        ctx = public_ctx(brand_code, services.MODULE, "survey")
    except NotFound:
        abort(404)
    try:
        locale = visitor_locale(ctx)
        with use_locale(locale):
            try:
                row = surveys.open_survey(ctx, token)
            except NotFound:
                abort(404)
            errors: dict[str, list[str]] = {}
            done = row.answered_at is not None
            expired = not done and ctx.now() > row.expires_at
            extra = [_shown(q, locale) for q in surveys.questions_of(row)]
            if request.method == "POST" and not done and not expired:
                try:
                    surveys.answer(ctx, token, request.form.get("score", ""),
                                   (request.form.get("comment") or "").strip(),
                                   {q["key"]: request.form.get(q["key"]) for q in extra})
                    done = True
                except ValidationFailed as exc:
                    errors = dict(exc.errors)
            low, high = surveys.SCALES[row.kind]
            assert ctx.brand is not None
            html = render_public(
                TEMPLATES, "complaints/public_survey.html", ctx, locale, kind=row.kind,
                question=_(QUESTIONS[row.kind], brand=ctx.brand.name),
                ends=[_(e) for e in ENDS[row.kind]], scale=list(range(low, high + 1)),
                extra=extra,
                done=done, expired=expired, errors=errors)
            return html, (422 if errors else 200)
    finally:
        ctx.session.close()


def _shown(question: dict[str, Any], locale: str) -> dict[str, Any]:
    """A template question in the visitor's language, with its scale or choices."""
    bounds = surveys.QUESTION_TYPES[question["type"]]
    return {"key": question["key"], "type": question["type"],
            "required": question.get("required", False),
            "text": question["text"].get(locale) or question["text"]["en"],
            "scale": list(range(bounds[0], bounds[1] + 1)) if bounds else [],
            "choices": [(c["value"], c["text"].get(locale) or c["text"]["en"])
                        for c in question.get("choices", [])]}


def register(app: Any, limiter: Any) -> None:
    """Mount the public form, rate-limited per address."""
    register_public(app, limiter, blueprint)
