"""``directcrm consent ...``, ``directcrm kyc ...`` and ``directcrm import consents``:
thin commands that parse, call the services and print."""

from __future__ import annotations

import json
from contextlib import AbstractContextManager
from pathlib import Path

import click

from core.api import Ctx, Customer, _, get_by_ref
from core.api.cli import FORMAT_OPTION, brand_ctx, cli, emit_rows, handles_domain_errors
from plugins.kyc import consent, dsr, identity, links
from plugins.kyc.common import MODULE
from plugins.kyc.models import ConsentSource, IdType, Purpose, RequestKind, VerificationMethod

BRAND_OPTION = click.option("--brand", "brand_code", required=True, help="Brand code.")
SOURCES = [s.value for s in ConsentSource if s is not ConsentSource.IMPORT]


def _ctx(brand_code: str, user: str = "system") -> AbstractContextManager[Ctx]:
    """The command's context; refused for a brand without the module."""
    return brand_ctx(brand_code, user=user, module=MODULE)


def _given(**options: str | None) -> dict[str, str]:
    return {k: v for k, v in options.items() if v is not None}


@click.group("consent")
def consent_group() -> None:
    """Consent notices and the consent ledger (P1-P4, P10)."""


@consent_group.group("notice")
def notice_group() -> None:
    """Versioned notice texts per purpose and language."""


@notice_group.command("add")
@BRAND_OPTION
@click.option("--purpose", required=True, type=click.Choice([p.value for p in Purpose]))
@click.option("--version", required=True, help="Version label, e.g. 2026-11.")
@click.option("--locale", required=True, help="en, zh_Hans_CN or zh_Hant_TW.")
@click.option("--file", "text_file", required=True,
              type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="The notice text (UTF-8).")
@click.option("--effective", required=True, help="First day in force (YYYY-MM-DD).")
@click.option("--minor-change", is_flag=True,
              help="Not material: consents to earlier versions need not be asked again.")
@handles_domain_errors
def notice_add_cmd(brand_code: str, purpose: str, version: str, locale: str, text_file: Path,
                   effective: str, minor_change: bool) -> None:
    """Publish a notice version."""
    with _ctx(brand_code) as ctx:
        notice = consent.add_notice(ctx, {
            "purpose": purpose, "version": version, "locale": locale,
            "text": text_file.read_text(encoding="utf-8-sig"), "effective_on": effective,
            "material": not minor_change})
        click.echo(_("Notice %(purpose)s %(version)s (%(locale)s) in effect from %(day)s.",
                     purpose=notice.purpose, version=notice.version, locale=notice.locale,
                     day=notice.effective_on))


@consent_group.command("give")
@BRAND_OPTION
@click.option("--customer", "customer_ref", required=True, help="Customer reference.")
@click.option("--purpose", required=True, help="marketing, care, service, profiling, "
              "sensitive_data, third_party or cross_border.")
@click.option("--channel", required=True, help="sms, wechat, email, phone or visit.")
@click.option("--notice-version", default=None, help="Default: the version in effect.")
@click.option("--at", default=None, help="When it was given (ISO); default now.")
@click.option("--source", default="cli", type=click.Choice(SOURCES))
@click.option("--evidence", default=None, help="Where the signed form or record is kept.")
@click.option("--guardian", "guardian_name", default=None,
              help="The guardian who consents for a minor (P3).")
@click.option("--user", default="system", help="Who records it.")
@handles_domain_errors
def give_cmd(brand_code: str, customer_ref: str, purpose: str, channel: str,
             notice_version: str | None, at: str | None, source: str, evidence: str | None,
             guardian_name: str | None, user: str) -> None:
    """Record a consent."""
    with _ctx(brand_code, user) as ctx:
        n = consent.give(ctx, _given(customer_ref=customer_ref, purpose=purpose,
                                     channel=channel, notice_version=notice_version, at=at,
                                     evidence=evidence, guardian_name=guardian_name),
                         ConsentSource(source))
    click.echo(_("Consent recorded.") if n else _("Already recorded: nothing changed."))


@consent_group.command("withdraw")
@BRAND_OPTION
@click.option("--customer", "customer_ref", required=True, help="Customer reference.")
@click.option("--purpose", required=True, help="The purpose withdrawn.")
@click.option("--channel", default=None, help="One channel; default every channel.")
@click.option("--at", default=None, help="When (ISO); default now.")
@click.option("--source", default="cli", type=click.Choice(SOURCES))
@click.option("--user", default="system", help="Who records it.")
@handles_domain_errors
def withdraw_cmd(brand_code: str, customer_ref: str, purpose: str, channel: str | None,
                 at: str | None, source: str, user: str) -> None:
    """Record a withdrawal; it takes effect at once."""
    with _ctx(brand_code, user) as ctx:
        n = consent.withdraw(ctx, _given(customer_ref=customer_ref, purpose=purpose,
                                         channel=channel, at=at), ConsentSource(source))
    click.echo(_("Withdrawal recorded.") if n else _("Already recorded: nothing changed."))


@consent_group.command("status")
@BRAND_OPTION
@click.option("--customer", "customer_ref", required=True, help="Customer reference.")
@FORMAT_OPTION
@handles_domain_errors
def status_cmd(brand_code: str, customer_ref: str, fmt: str) -> None:
    """Every consent of a customer as it stands now."""
    with _ctx(brand_code) as ctx:
        customer = get_by_ref(ctx, Customer, customer_ref)
        states = consent.consent_states(ctx, customer.merged_into_id or customer.id)
        emit_rows(("purpose", "channel", "state", "since", "notice_version", "source"),
                  [(s.purpose, s.channel, "given" if s.live else "withdrawn", s.since,
                    s.notice_version, s.source) for s in states], fmt,
                  labels={"purpose": "kyc.purpose", "channel": "kyc.channel",
                          "state": "kyc.consent_state", "source": "kyc.consent_source"})


@consent_group.command("reconsent")
@BRAND_OPTION
@click.option("--purpose", default=None, type=click.Choice([p.value for p in Purpose]))
@FORMAT_OPTION
@handles_domain_errors
def reconsent_cmd(brand_code: str, purpose: str | None, fmt: str) -> None:
    """Customers to ask again: their consent answered a notice since changed materially."""
    with _ctx(brand_code) as ctx:
        emit_rows(("customer_ref", "purpose", "channel", "answered_version",
                   "current_version"),
                  [(d.customer_ref, d.purpose, d.channel, d.answered_version,
                    d.current_version) for d in consent.reconsent_due(ctx, purpose)], fmt,
                  labels={"purpose": "kyc.purpose", "channel": "kyc.channel"})


@consent_group.command("link")
@BRAND_OPTION
@click.option("--customer", "customer_ref", required=True, help="Customer reference.")
@click.option("--purpose", required=True, help="The purpose asked about.")
@click.option("--channel", required=True, help="The channel asked about.")
@click.option("--base-url", default=None, envvar="DIRECTCRM_PUBLIC_URL",
              help="The web app's public address (default $DIRECTCRM_PUBLIC_URL, else "
                   "http://127.0.0.1:5000).")
@handles_domain_errors
def link_cmd(brand_code: str, customer_ref: str, purpose: str, channel: str,
             base_url: str | None) -> None:
    """Print the customer's public consent link (to send by SMS, WeChat or e-mail)."""
    with _ctx(brand_code) as ctx:
        token = links.link_token(ctx, customer_ref, purpose, channel)
    click.echo(f"{(base_url or 'http://127.0.0.1:5000').rstrip('/')}/consent/{token}")


@click.command("consents")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@BRAND_OPTION
@click.option("--json", "as_json", is_flag=True, help="Print the summary as JSON.")
@handles_domain_errors
def import_consents_cmd(file: Path, brand_code: str, as_json: bool) -> None:
    """Import consents (customer_ref,purpose,channel,notice_version,given_at and optional
    withdrawn_at, evidence, guardian_name); all or nothing, idempotent."""
    with _ctx(brand_code) as ctx:
        result = consent.import_consents(ctx, file)
    if as_json:
        click.echo(json.dumps({"rows": result.rows, "written": result.written}))
    else:
        click.echo(_("consents: %(rows)s rows read, %(written)s ledger entries written.",
                     rows=result.rows, written=result.written))


@click.group("kyc")
def kyc_group() -> None:
    """Identity documents and their verification."""


@kyc_group.command("verify")
@BRAND_OPTION
@click.option("--customer", "customer_ref", default=None, help="Customer reference.")
@click.option("--rep", "rep_ref", default=None, help="Rep reference.")
@click.option("--id-type", required=True, type=click.Choice([t.value for t in IdType]))
@click.option("--id-number", required=True, help="The document number.")
@click.option("--name", "legal_name", default=None, help="The name on the document.")
@click.option("--method", required=True, type=click.Choice([m.value for m in
                                                             VerificationMethod]))
@click.option("--failed", is_flag=True, help="Record a verification that did not pass.")
@click.option("--at", default=None, help="When it was verified (ISO); default now.")
@click.option("--evidence", "evidence_ref", default=None, help="Where the evidence is kept.")
@click.option("--evidence-file", type=click.Path(exists=True, dir_okay=False,
                                                 path_type=Path), default=None,
              help="A photo or scan of the check: stored encrypted outside the database.")
@click.option("--user", default="system", help="Who verified.")
@handles_domain_errors
def verify_cmd(brand_code: str, customer_ref: str | None, rep_ref: str | None, id_type: str,
               id_number: str, legal_name: str | None, method: str, failed: bool,
               at: str | None, evidence_ref: str | None, evidence_file: Path | None,
               user: str) -> None:
    """Check a document number and record a verification."""
    with _ctx(brand_code, user) as ctx:
        done = identity.verify(ctx, _given(
            customer_ref=customer_ref, rep_ref=rep_ref, id_type=id_type, id_number=id_number,
            legal_name=legal_name, method=method, at=at, evidence_ref=evidence_ref)
            | {"passed": not failed},
            evidence=evidence_file.read_bytes() if evidence_file else None)
    click.echo(_("Verified %(number)s, valid until %(day)s.", number=done.masked_number,
                 day=done.valid_until or "-"))
    if done.birth_mismatch:
        click.echo(_("Warning: the birth date on the document (%(doc)s) differs from the "
                     "declared one (%(declared)s).", doc=done.birth_date,
                     declared=done.declared_birth_date), err=True)


@kyc_group.command("retention")
@BRAND_OPTION
@click.option("--dry-run", is_flag=True, help="Only list what has expired.")
@click.option("--user", default="system", help="Who runs it.")
@handles_domain_errors
def retention_cmd(brand_code: str, dry_run: bool, user: str) -> None:
    """Anonymise leads and customers past their retention period (P6), and list them."""
    from plugins.kyc.retention import apply_retention

    with _ctx(brand_code, user) as ctx:
        run = apply_retention(ctx, dry_run=dry_run)
    for ref in run.lead_refs:
        click.echo(f"lead,{ref}")
    for ref in run.customer_refs:
        click.echo(f"customer,{ref}")
    message = (_("%(leads)s leads and %(customers)s customers would be anonymised.",
                 leads=run.leads, customers=run.customers) if dry_run else
               _("%(leads)s leads and %(customers)s customers anonymised.", leads=run.leads,
                 customers=run.customers))
    click.echo(message, err=True)


@kyc_group.group("assessment")
def assessment_group() -> None:
    """The register of impact assessments (P7)."""


@assessment_group.command("add")
@BRAND_OPTION
@click.option("--scope", required=True, help="The processing assessed.")
@click.option("--trigger", required=True, type=click.Choice(
    ["sensitive_data", "automated_decision", "sharing", "publishing", "cross_border",
     "other"]))
@click.option("--assessed-on", required=True, help="YYYY-MM-DD.")
@click.option("--decision", required=True, help="The conclusion and measures.")
@click.option("--review-on", default=None, help="YYYY-MM-DD; default a year later.")
@click.option("--user", default="system", help="Who assessed.")
@handles_domain_errors
def assessment_add_cmd(brand_code: str, scope: str, trigger: str, assessed_on: str,
                       decision: str, review_on: str | None, user: str) -> None:
    """Record an impact assessment."""
    from plugins.kyc.assessments import add_assessment

    with _ctx(brand_code, user) as ctx:
        row = add_assessment(ctx, _given(scope=scope, trigger=trigger,
                                         assessed_on=assessed_on, decision=decision,
                                         review_on=review_on))
        click.echo(_("Assessment %(ref)s recorded, review on %(day)s.",
                     ref=row.assessment_ref, day=row.review_on))


@assessment_group.command("list")
@BRAND_OPTION
@FORMAT_OPTION
@handles_domain_errors
def assessment_list_cmd(brand_code: str, fmt: str) -> None:
    """The register, next review first."""
    from plugins.kyc.assessments import list_assessments

    with _ctx(brand_code) as ctx:
        emit_rows(("ref", "trigger", "assessed_on", "review_on", "assessed_by", "scope",
                   "decision"),
                  [(a.assessment_ref, a.trigger, a.assessed_on, a.review_on, a.assessed_by,
                    a.scope, a.decision) for a in list_assessments(ctx)], fmt,
                  labels={"trigger": "kyc.trigger", "assessed_by": "actor"})


@kyc_group.command("bank-account")
@BRAND_OPTION
@click.option("--rep", "rep_ref", required=True, help="Rep reference.")
@click.option("--holder", "holder_name", required=True,
              help="Account holder: the name on the rep's verified identity document.")
@click.option("--number", "account_number", required=True, help="Bank card number.")
@click.option("--bank", "bank_name", default=None, help="Bank name.")
@click.option("--user", default="system", help="Who records it.")
@handles_domain_errors
def bank_account_cmd(brand_code: str, rep_ref: str, holder_name: str, account_number: str,
                     bank_name: str | None, user: str) -> None:
    """Record the account a rep is paid into (checked and encrypted)."""
    from plugins.kyc.bank import set_bank_account

    with _ctx(brand_code, user) as ctx:
        shown = set_bank_account(ctx, _given(rep_ref=rep_ref, holder_name=holder_name,
                                             account_number=account_number,
                                             bank_name=bank_name))
    click.echo(_("Bank account %(number)s recorded.", number=shown))


@kyc_group.command("due")
@BRAND_OPTION
@click.option("--within", "within_days", type=int, default=None,
              help="Days ahead (default: the kyc.refresh_notice_days setting).")
@FORMAT_OPTION
@handles_domain_errors
def due_cmd(brand_code: str, within_days: int | None, fmt: str) -> None:
    """Identities due for a refresh (lapsing soon, lapsed, or never verified)."""
    with _ctx(brand_code) as ctx:
        emit_rows(("subject", "ref", "id_type", "number", "valid_until"),
                  [(d.subject, d.ref, d.id_type, d.masked_number, d.valid_until)
                   for d in identity.refresh_due(ctx, within_days)], fmt,
                  labels={"subject": "kyc.subject", "id_type": "kyc.id_type"})


@click.group("dsr")
def dsr_group() -> None:
    """Data-subject requests: access, export, correction, deletion... (P5)."""


@dsr_group.command("open")
@BRAND_OPTION
@click.option("--customer", "customer_ref", required=True, help="Customer reference.")
@click.option("--kind", required=True, type=click.Choice([k.value for k in RequestKind]))
@click.option("--at", default=None, help="When the request arrived (ISO); default now.")
@click.option("--identity-check", default=None, help="How the requester's identity was "
              "checked.")
@click.option("--user", default="system", help="Who registers it.")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text")
@handles_domain_errors
def dsr_open_cmd(brand_code: str, customer_ref: str, kind: str, at: str | None,
                 identity_check: str | None, user: str, fmt: str) -> None:
    """Register a request; prints its reference and due date."""
    with _ctx(brand_code, user) as ctx:
        request = dsr.open_request(ctx, _given(customer_ref=customer_ref, kind=kind, at=at,
                                               identity_check=identity_check))
        ref, due = request.request_ref, request.due_on
    if fmt == "json":
        click.echo(json.dumps({"ref": ref, "due_on": due.isoformat()}))
    else:
        click.echo(_("Request %(ref)s registered, due on %(day)s.", ref=ref, day=due))


@dsr_group.command("list")
@BRAND_OPTION
@click.option("--overdue", is_flag=True, help="Only open requests past their deadline.")
@click.option("--open", "open_only", is_flag=True, help="Only open requests.")
@FORMAT_OPTION
@handles_domain_errors
def dsr_list_cmd(brand_code: str, overdue: bool, open_only: bool, fmt: str) -> None:
    """The request queue, most urgent first."""
    with _ctx(brand_code) as ctx:
        rows = dsr.list_requests(ctx, overdue_only=overdue, open_only=open_only)
        emit_rows(("ref", "customer_ref", "kind", "status", "opened_at", "due_on",
                   "closed_at", "overdue", "days_to_close"),
                  [(r.request_ref, r.customer_ref, r.kind, r.status, r.opened_at, r.due_on,
                    r.closed_at, r.overdue, r.days_to_close) for r in rows], fmt,
                  labels={"kind": "kyc.request_kind", "status": "kyc.request_status",
                          "overdue": "boolean"})


@dsr_group.command("export")
@BRAND_OPTION
@click.argument("ref")
@click.option("--out", "out_dir", required=True,
              type=click.Path(file_okay=False, path_type=Path), help="Folder to write to.")
@click.option("--user", default="system", help="Who prepares it.")
@handles_domain_errors
def dsr_export_cmd(brand_code: str, ref: str, out_dir: Path, user: str) -> None:
    """Write the archive (JSON, CSV, readable PDF) of everything held about the person."""
    with _ctx(brand_code, user) as ctx:
        path = dsr.export_request(ctx, ref, out_dir)
    click.echo(str(path))


@dsr_group.command("erase")
@BRAND_OPTION
@click.argument("ref")
@click.option("--user", default="system", help="Who erases.")
@handles_domain_errors
def dsr_erase_cmd(brand_code: str, ref: str, user: str) -> None:
    """Carry out a deletion request (pseudonymise what must be kept, erase the rest)."""
    with _ctx(brand_code, user) as ctx:
        request = dsr.erase_request(ctx, ref)
        click.echo(request.outcome)


@dsr_group.command("extend")
@BRAND_OPTION
@click.argument("ref")
@click.option("--until", required=True, help="The new deadline (YYYY-MM-DD).")
@click.option("--reason", required=True, help="Why, as the person will be told.")
@click.option("--user", default="system", help="Who extends it.")
@handles_domain_errors
def dsr_extend_cmd(brand_code: str, ref: str, until: str, reason: str, user: str) -> None:
    """Extend a request's deadline where the jurisdiction allows (EU, US, TW)."""
    import datetime as dt

    from core.api import ValidationFailed

    try:
        day = dt.date.fromisoformat(until)
    except ValueError:
        raise ValidationFailed({"until": [_("Not a valid date, e.g. 2026-03-31.")]}) from None
    with _ctx(brand_code, user) as ctx:
        request = dsr.extend_request(ctx, ref, day, reason)
        click.echo(_("Request %(ref)s now due on %(day)s.", ref=request.request_ref,
                     day=request.extended_to))


@dsr_group.command("close")
@BRAND_OPTION
@click.argument("ref")
@click.option("--outcome", required=True, help="What was done, or why it is refused.")
@click.option("--refuse", is_flag=True, help="Refuse the request (the outcome is the "
              "reason given to the person).")
@click.option("--user", default="system", help="Who closes it.")
@handles_domain_errors
def dsr_close_cmd(brand_code: str, ref: str, outcome: str, refuse: bool, user: str) -> None:
    """Close a request as done or refused."""
    with _ctx(brand_code, user) as ctx:
        request = dsr.close_request(ctx, ref, outcome=outcome, refused=refuse)
        click.echo(_("Request %(ref)s is %(status)s.", ref=request.request_ref,
                     status=request.status.value))


def commands() -> list[click.Command]:
    """The module's command groups; ``consents`` joins the core's ``import`` group."""
    existing_import = cli.commands.get("import")
    if isinstance(existing_import, click.Group):
        existing_import.commands.setdefault("consents", import_consents_cmd)
    return [consent_group, kyc_group, dsr_group]
