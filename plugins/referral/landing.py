"""The public landing page of a referral link: ``/r/<BRAND>/<CODE>`` (no login,
phone-sized, three languages, rate-limited per address), and the link's QR code
(``/r/<BRAND>/<CODE>/qr.svg`` or ``.png``, by segno).

The prospect leaves a name and a phone under the brand's notice; a lead with channel
``referral`` is created, and the core's lead assignment gives it to the referrer's rep.
When that lead becomes a customer, the referral is recorded (``crm_customer_created``).
"""

from __future__ import annotations

import io
import uuid
from pathlib import Path
from typing import Any

import segno
from flask import Blueprint, abort, request, send_file, url_for

from core.api import Customer, DomainError, NotFound, ValidationFailed, _, create_lead, use_locale
from core.api.web import masked_name, public_ctx, register_public, render_public, visitor_locale
from plugins.referral.services import MODULE, customer_of_code, record_view

TEMPLATES = Path(__file__).resolve().parent / "templates"

blueprint = Blueprint("referral_public", __name__)


def _context(brand_code: str, code: str) -> tuple[Any, int]:
    """The brand's context and the referrer, or 404 (unknown brand, module off, bad code)."""
    if len(code) > 16:
        abort(404)
    try:
        ctx = public_ctx(brand_code, MODULE, "referral-link")
    except NotFound:
        abort(404)
    referrer = customer_of_code(ctx, code)
    if referrer is None:
        ctx.session.close()
        abort(404)
    return ctx, referrer


@blueprint.route("/r/<string:brand_code>/<string:code>", methods=["GET", "POST"])
def landing(brand_code: str, code: str) -> Any:
    """The invitation: the brand, who invites, the notice, a name-and-phone form."""
    ctx, referrer_id = _context(brand_code, code)
    try:
        locale = visitor_locale(ctx)
        with use_locale(locale):
            return _page(ctx, referrer_id, brand_code, code, locale)
    finally:
        ctx.session.close()


def _page(ctx: Any, referrer_id: int, brand_code: str, code: str, locale: str) -> Any:
    referrer = ctx.session.get(Customer, referrer_id)
    errors: dict[str, list[str]] = {}
    done = False
    values = {"name": "", "phone": ""}
    if request.method == "GET":
        record_view(ctx, code)
    if request.method == "POST":
        values = {k: (request.form.get(k) or "").strip() for k in ("name", "phone")}
        if request.form.get("agree") != "1":
            errors["agree"] = [_("Please agree to the notice to leave your details.")]
        if not values["phone"]:
            errors["phone"] = [_("Missing data for required field.")]
        if not errors:
            try:
                create_lead(ctx, {"lead_ref": f"RL{uuid.uuid4().hex[:12].upper()}",
                                  "name": values["name"], "phone": values["phone"],
                                  "channel": "referral",
                                  "referrer_customer_ref": referrer.customer_ref,
                                  "note": _("Left on the referral link %(code)s", code=code)})
                done = True
            except ValidationFailed as exc:
                if "phone" in exc.errors and any("lead" in m.lower() or "线索" in m
                                                 for m in exc.errors["phone"]):
                    done = True  # already known: thank them all the same, reveal nothing
                else:
                    errors = dict(exc.errors)
            except DomainError as exc:
                errors = {"_schema": [exc.message]}
    html = render_public(TEMPLATES, "referral/landing.html", ctx, locale,
                         inviter=masked_name(referrer.name), done=done, errors=errors,
                         values=values,
                         qr=url_for("referral_public.qr", brand_code=brand_code, code=code,
                                    fmt="svg"))
    return html, (422 if errors else 200)


@blueprint.route("/r/<string:brand_code>/<string:code>/qr.<string:fmt>")
def qr(brand_code: str, code: str, fmt: str) -> Any:
    """The link as a QR code (SVG or PNG), for WeChat and printed material."""
    if fmt not in ("svg", "png"):
        abort(404)
    ctx, _referrer = _context(brand_code, code)
    ctx.session.close()
    link = url_for("referral_public.landing", brand_code=brand_code, code=code,
                   _external=True)
    out = io.BytesIO()
    segno.make(link, error="m").save(out, kind=fmt, scale=8 if fmt == "png" else 6,
                                     border=2)
    out.seek(0)
    return send_file(out, mimetype="image/svg+xml" if fmt == "svg" else "image/png")


def register(app: Any, limiter: Any) -> None:
    """Mount the public pages, rate-limited per address."""
    register_public(app, limiter, blueprint)
