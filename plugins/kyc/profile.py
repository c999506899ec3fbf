"""The KYC and consent block of the customer 360° page."""

from __future__ import annotations

from markupsafe import Markup
from sqlalchemy import func, select

from core.api import Ctx, Customer, ProfileSection, Rep, _, masked
from plugins.kyc.consent import consent_states
from plugins.kyc.labels import CHANNEL_LABELS, ID_TYPE_LABELS, PURPOSE_LABELS, label
from plugins.kyc.models import Identity, Verification


def profile_section(ctx: Ctx, customer_id: int) -> ProfileSection:
    """Consents as they stand (purpose, channel, since, notice version) and identity
    documents (masked) with their last verification; every value escaped."""
    fmt = "%Y-%m-%d %H:%M"
    states = consent_states(ctx, customer_id)
    consent_rows = Markup("").join(
        Markup("<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>").format(
            label(PURPOSE_LABELS, s.purpose), label(CHANNEL_LABELS, s.channel),
            _("Given") if s.live else _("Withdrawn"),
            s.since.astimezone(ctx.tz).strftime(fmt), s.notice_version or "")
        for s in states)
    last = (select(Verification.identity_id, func.max(Verification.valid_until).label("until"))
            .where(Verification.brand_id == ctx.brand_id, Verification.passed.is_(True))
            .group_by(Verification.identity_id).subquery())
    ids = ctx.session.execute(
        select(Identity.id_type, Identity.number, last.c.until)
        .outerjoin(last, last.c.identity_id == Identity.id)
        .where(Identity.brand_id == ctx.brand_id, Identity.customer_id == customer_id)
        .order_by(Identity.id_type)).all()
    id_rows = Markup("").join(
        Markup("<tr><td>{}</td><td>{}</td><td>{}</td></tr>").format(
            label(ID_TYPE_LABELS, str(t)), masked(n), u.isoformat() if u else _("Not verified"))
        for t, n, u in ids)
    none = Markup("<tr><td colspan=\"{}\">{}</td></tr>")
    html = Markup(
        "<table class=\"kyc-consents\"><thead><tr><th>{purpose}</th><th>{channel}</th>"
        "<th>{state}</th><th>{since}</th><th>{notice}</th></tr></thead><tbody>{rows}</tbody>"
        "</table><table class=\"kyc-identities\"><thead><tr><th>{doc}</th><th>{number}</th>"
        "<th>{valid}</th></tr></thead><tbody>{ids}</tbody></table>").format(
        purpose=_("Purpose"), channel=_("Channel"), state=_("Consent"), since=_("In force since"),
        notice=_("Notice version"), rows=consent_rows or none.format(5, _("No consent "
                                                                          "recorded.")),
        doc=_("Document"), number=_("Number"), valid=_("Verified until"),
        ids=id_rows or none.format(3, _("No identity document.")))
    href = _page_url(ctx, customer_id)
    if href:
        html += Markup("<p><a href=\"{}\">{}</a></p>").format(href, _("Consents, identity "
                                                                      "and requests"))
    return ProfileSection(key="kyc", title=_("Consent and identity"), html=str(html),
                          order=40)


def _page_url(ctx: Ctx, customer_id: int) -> str | None:
    """The module's page for the customer, when rendering inside the web app."""
    from core.api.web import page_url

    ref = ctx.session.scalar(select(Customer.customer_ref).where(
        Customer.brand_id == ctx.brand_id, Customer.id == customer_id))
    return page_url("KycView.customer", ref=ref)


def rep_section(ctx: Ctx, rep_id: int) -> ProfileSection:
    """The rep's identity documents (masked) with their validity and the birth date they
    show beside the declared one, and the pay account (masked)."""
    from plugins.kyc.models import BankAccount

    declared = ctx.session.scalar(select(Rep.birth_date).where(
        Rep.brand_id == ctx.brand_id, Rep.id == rep_id))
    last = (select(Verification.identity_id, func.max(Verification.valid_until).label("until"))
            .where(Verification.brand_id == ctx.brand_id, Verification.passed.is_(True))
            .group_by(Verification.identity_id).subquery())
    ids = ctx.session.execute(
        select(Identity.id_type, Identity.number, Identity.birth_date, last.c.until)
        .outerjoin(last, last.c.identity_id == Identity.id)
        .where(Identity.brand_id == ctx.brand_id, Identity.rep_id == rep_id)
        .order_by(Identity.id_type)).all()
    rows = Markup("").join(
        Markup("<tr><td>{}</td><td class=\"mono\">{}</td><td>{}{}</td><td>{}</td></tr>")
        .format(label(ID_TYPE_LABELS, str(t)), masked(n), born or "",
                Markup(" <span class=\"badge b-cancelled\">{}</span>").format(
                    _("declared %(day)s", day=declared))
                if born and declared and born != declared else "",
                u.isoformat() if u else _("Not verified"))
        for t, n, born, u in ids)
    account = ctx.session.execute(select(BankAccount.account_number, BankAccount.bank_name)
                                  .where(BankAccount.brand_id == ctx.brand_id,
                                         BankAccount.rep_id == rep_id)).first()
    html = Markup(
        "<table class=\"table kyc-identities\"><thead><tr><th>{doc}</th><th>{number}</th>"
        "<th>{born}</th><th>{valid}</th></tr></thead><tbody>{rows}</tbody></table>"
        "<dl class=\"facts\"><dt>{pay}</dt><dd>{account}</dd></dl>").format(
        doc=_("Document"), number=_("Number"), born=_("Birth date"),
        valid=_("Verified until"),
        rows=rows or Markup("<tr><td colspan=\"4\">{}</td></tr>").format(
            _("No identity document.")),
        pay=_("Pay account"),
        account=(f"{account[1] or ''} {masked(account[0])}".strip() if account
                 else _("None recorded")))
    return ProfileSection(key="kyc", title=_("Identity and pay account"), html=str(html),
                          order=40)
