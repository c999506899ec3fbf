"""``directcrm complaints ...`` and ``directcrm calendar ...``: parse, call, print.

Times in and out are ISO 8601; printed times carry the brand's UTC offset.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable
from contextlib import AbstractContextManager
from typing import Any

import click

from core.api import Ctx, ValidationFailed, _, label
from core.api.cli import FORMAT_OPTION, brand_ctx, emit_rows, handles_domain_errors, labels_of
from plugins.complaints import services, surveys
from plugins.complaints.models import CATEGORIES, CHANNELS, RESOLUTIONS, SEVERITIES, STATUSES
from plugins.complaints.settings import CLOCKS

BRAND_OPTION = click.option("--brand", "brand_code", required=True, help="Brand code.")
USER_OPTION = click.option("--user", default="system", help="Who acts.")
LIST_COLUMNS = ("ref", "status", "severity", "category", "customer_ref", "assignee", "owner",
                "opened_at", "first_response_due", "first_response_at", "resolution_due",
                "resolved_at", "breaches", "escalation_level")


def _ctx(brand_code: str, user: str = "system") -> AbstractContextManager[Ctx]:
    return brand_ctx(brand_code, user=user, module=services.MODULE)


def _day(name: str, text: str | None) -> dt.date | None:
    if text is None:
        return None
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise ValidationFailed({name: [_("Not a valid date, e.g. 2026-10-01.")]}) from None


@click.group("complaints")
def complaints_group() -> None:
    """Complaint tickets with SLA clocks in the brand's working calendar (S1)."""


@complaints_group.command("open")
@BRAND_OPTION
@click.option("--customer", "customer_ref", default=None, help="Customer reference.")
@click.option("--caller-name", default=None, help="An unidentified caller's name.")
@click.option("--caller-phone", default=None, help="An unidentified caller's phone.")
@click.option("--channel", required=True, type=click.Choice(CHANNELS))
@click.option("--category", required=True, type=click.Choice(CATEGORIES))
@click.option("--severity", default="normal", type=click.Choice(SEVERITIES))
@click.option("--summary", required=True)
@click.option("--order", "order_ref", default=None, help="Order reference.")
@click.option("--return", "return_ref", default=None,
              help="Return reference (a refund complaint: DS8's clock starts here).")
@click.option("--rep", "rep_ref", default=None, help="Rep involved.")
@click.option("--assignee", default=None, help="User the ticket is assigned to.")
@click.option("--opened-at", default=None, help="When the complaint came in (ISO 8601).")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text")
@USER_OPTION
@handles_domain_errors
def open_cmd(brand_code: str, fmt: str, user: str, **options: Any) -> None:
    """Open a ticket; prints its ref (or the ticket as JSON)."""
    with _ctx(brand_code, user) as ctx:
        ticket = services.open_ticket(ctx, {k: v for k, v in options.items() if v is not None})
        _print(ctx, ticket, fmt)


def _print(ctx: Ctx, ticket: Any, fmt: str) -> None:
    data = services.ticket_dict(ctx, ticket)
    if fmt == "json":
        click.echo(json.dumps(data, ensure_ascii=False))
    else:
        click.echo(_("%(ref)s %(status)s, first response due %(due)s, resolution due "
                     "%(res)s", ref=data["ref"], status=data["status"],
                     due=data["first_response_due"], res=data["resolution_due"]))


def _action(name: str, help_: str, extra: list[Callable[[Any], Any]] | None = None) -> None:
    def run(brand_code: str, ref: str, user: str, fmt: str, **options: Any) -> None:
        with _ctx(brand_code, user) as ctx:
            ticket = services.act(ctx, ref, name,
                                  {k: v for k, v in options.items() if v is not None})
            _print(ctx, ticket, fmt)

    run.__doc__ = help_
    cmd: Any = handles_domain_errors(run)
    for option in [*(extra or []), USER_OPTION,
                   click.option("--format", "fmt", type=click.Choice(["text", "json"]),
                                default="text"),
                   click.option("--note", default=None, help="A reply or note text."),
                   click.option("--at", default=None, help="When (ISO 8601); default now."),
                   click.argument("ref"), BRAND_OPTION]:
        cmd = option(cmd)
    complaints_group.command(name)(cmd)


_action("respond", "Reply to the customer (the first responder owns the ticket).")
_action("start", "Start working on a responded ticket.")
_action("pause", "Wait on the customer: the resolution clock stops.")
_action("resume", "The customer answered: the clock runs again.")
_action("resolve", "Resolve the ticket.", [
    click.option("--resolution", default=None, type=click.Choice(RESOLUTIONS)),
    click.option("--root-cause", default=None)])
_action("close", "Close a resolved ticket (high and critical need a root cause).",
        [click.option("--root-cause", default=None)])
_action("reopen", "Reopen a resolved or closed ticket within the reopen window.")
_action("note", "Add an internal note.")
_action("assign", "Assign the ticket (the owner stays).",
        [click.option("--to", "assignee", required=True, help="User name.")])


@complaints_group.command("link")
@BRAND_OPTION
@click.option("--base-url", default=None, envvar="DIRECTCRM_PUBLIC_URL",
              help="The public address (default $DIRECTCRM_PUBLIC_URL).")
@handles_domain_errors
def link_cmd(brand_code: str, base_url: str | None) -> None:
    """The brand's public complaint form link (its published complaint line)."""
    from plugins.complaints.public import link_token

    with _ctx(brand_code) as ctx:
        services.require_enabled(ctx)
        token = link_token(ctx)
    click.echo(f"{(base_url or 'http://127.0.0.1:5000').rstrip('/')}/complaint/{brand_code}/"
               f"{token}")


@complaints_group.command("severity")
@BRAND_OPTION
@click.argument("ref")
@click.argument("severity", type=click.Choice(SEVERITIES))
@click.option("--at", default=None, help="When (ISO 8601); default now.")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text")
@USER_OPTION
@handles_domain_errors
def severity_cmd(brand_code: str, ref: str, severity: str, at: str | None, fmt: str,
                 user: str) -> None:
    """Change the severity: due times are recomputed from the opening."""
    with _ctx(brand_code, user) as ctx:
        data = {"severity": severity, **({"at": at} if at else {})}
        _print(ctx, services.act(ctx, ref, "severity", data), fmt)


@complaints_group.command("show")
@BRAND_OPTION
@click.argument("ref")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="json")
@handles_domain_errors
def show_cmd(brand_code: str, ref: str, fmt: str) -> None:
    """The ticket with its SLA times, breaches and timeline."""
    with _ctx(brand_code) as ctx:
        data = services.ticket_dict(ctx, services.get_ticket(ctx, ref), with_timeline=True)
    if fmt == "json":
        click.echo(json.dumps(data, ensure_ascii=False, indent=2))
        return
    for key, value in data.items():
        if key in _SHOWN and value is not None:
            value = _SHOWN[key](value)
        if key != "timeline":
            click.echo(f"{key}: {value if value is not None else ''}")
    for entry in data["timeline"]:
        old, new = (_entry_value(entry["kind"], entry[k]) for k in ("old", "new"))
        click.echo(f"  {entry['at']} {label('complaints.kind', entry['kind'])} "
                   f"{label('actor', entry['actor'])} {old}->{new} {entry['body'] or ''}")


#: The text view shows these fields by their labels (``--format json`` keeps the codes).
_SHOWN = {
    **{name: (lambda code, kind=name: label(f"complaints.{kind}", code))
       for name in ("status", "severity", "category", "channel", "resolution")},
    "breaches": labels_of("complaints.target"),
}


def _entry_value(kind: str, value: str | None) -> str:
    """A timeline entry's old or new value: a status or severity by its label."""
    if value is None:
        return ""
    return label(f"complaints.{kind}", value) if kind in ("status", "severity") else value


@complaints_group.command("list")
@BRAND_OPTION
@click.option("--status", default=None, type=click.Choice(STATUSES))
@click.option("--breached", is_flag=True, help="Only tickets that missed a target.")
@FORMAT_OPTION
@handles_domain_errors
def list_cmd(brand_code: str, status: str | None, breached: bool, fmt: str) -> None:
    """One row per ticket, most urgent first."""
    with _ctx(brand_code) as ctx:
        rows = [services.ticket_dict(ctx, t) for t in
                services.list_tickets(ctx, status=status, breached=breached)]
    emit_rows(LIST_COLUMNS, [[(";".join(r[c]) if c == "breaches" else r[c])
                              for c in LIST_COLUMNS] for r in rows], fmt,
              labels={"status": "complaints.status", "severity": "complaints.severity",
                      "category": "complaints.category",
                      "breaches": labels_of("complaints.target", ";")})


@complaints_group.group("policy")
def policy_group() -> None:
    """SLA policies per severity (also settings complaints.<severity>_*)."""


@policy_group.command("set")
@BRAND_OPTION
@click.option("--severity", required=True, type=click.Choice(SEVERITIES))
@click.option("--first-response", default=None, help="e.g. 8h or 1d.")
@click.option("--escalation", default=None, help="e.g. 72h.")
@click.option("--resolution", default=None, help="e.g. 40h or 7d.")
@click.option("--clock", default=None, type=click.Choice(CLOCKS))
@USER_OPTION
@handles_domain_errors
def policy_set_cmd(brand_code: str, severity: str, user: str, **values: str | None) -> None:
    """Change a severity's targets and clock; open tickets are recomputed."""
    with _ctx(brand_code, user) as ctx:
        services.set_policy(ctx, severity, values)
        pol = services.policy(ctx, severity)
    click.echo(_("%(severity)s: first response %(fr)s, escalation %(es)s, resolution "
                 "%(rs)s, %(clock)s clock.", severity=severity,
                 fr=_duration(pol.first_response), es=_duration(pol.escalation),
                 rs=_duration(pol.resolution), clock=pol.clock))


def _duration(seconds: int) -> str:
    """8h, 7d or 1.5h: the way the policy is written."""
    if seconds % 86400 == 0:
        return f"{seconds // 86400}d"
    return f"{seconds / 3600:g}h"


@click.group("calendar")
def calendar_group() -> None:
    """The brand's working calendar (complaints module)."""


@calendar_group.command("show")
@BRAND_OPTION
@click.option("--from", "first", required=True, help="First date (YYYY-MM-DD).")
@click.option("--to", "last", required=True, help="Last date (YYYY-MM-DD).")
@FORMAT_OPTION
@handles_domain_errors
def calendar_show_cmd(brand_code: str, first: str, last: str, fmt: str) -> None:
    """Each day: what it is, and its working periods (brand's offset)."""
    a, b = _day("from", first), _day("to", last)
    assert a is not None and b is not None
    if b < a or (b - a).days > 366:
        raise ValidationFailed({"to": [_("Must be on or after --from, at most a year on.")]})
    with _ctx(brand_code) as ctx:
        services.require_enabled(ctx)
        rows = []
        for info in services.calendar(ctx).days(a, b):
            if not info.periods:
                rows.append([info.day.isoformat(), info.kind, "", "", info.name or ""])
            for start, end in info.periods:
                rows.append([info.day.isoformat(), info.kind, services.iso(ctx, start),
                             services.iso(ctx, end), info.name or ""])
    emit_rows(("date", "kind", "start", "end", "name"), rows, fmt)


@calendar_group.group("closure")
def closure_group() -> None:
    """The brand's own closures."""


@closure_group.command("add")
@BRAND_OPTION
@click.argument("day")
@click.option("--to", "last", default=None, help="Last closed date (YYYY-MM-DD).")
@click.option("--reason", required=True)
@USER_OPTION
@handles_domain_errors
def closure_add_cmd(brand_code: str, day: str, last: str | None, reason: str,
                    user: str) -> None:
    """Close the service for a day or a range; due times of open tickets move."""
    first, end = _day("date", day), _day("to", last)
    assert first is not None
    with _ctx(brand_code, user) as ctx:
        added = services.add_closures(ctx, first, end, reason)
    click.echo(_("%(n)s closed days added.", n=added))


@click.group("surveys")
def surveys_group() -> None:
    """Satisfaction surveys: CSAT, NPS, CES (complaints module)."""


@surveys_group.command("send")
@BRAND_OPTION
@click.option("--kind", required=True, type=click.Choice(["nps", "ces"]))
@click.option("--now", default=None, help="As of this ISO time (default: now).")
@handles_domain_errors
def surveys_send_cmd(brand_code: str, kind: str, now: str | None) -> None:
    """NPS to this month's sample of active customers; CES after the last day's contacts
    (CSAT goes out by itself when a ticket is resolved). Only where the contact gate
    allows."""
    with _ctx(brand_code) as ctx:
        if now:
            when = _instant("now", now, ctx)
            ctx.clock = lambda: when
        n = surveys.send(ctx, kind)
    click.echo(_("%(n)s surveys sent.", n=n))


def _instant(name: str, text: str, ctx: Ctx) -> dt.datetime:
    try:
        parsed = dt.datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise ValidationFailed({name: [_("Not a valid date-time, e.g. "
                                         "2026-03-01T10:30:00+08:00.")]}) from None
    return (parsed if parsed.tzinfo else parsed.replace(tzinfo=ctx.tz)).astimezone(dt.UTC)


@surveys_group.command("list")
@BRAND_OPTION
@click.option("--base-url", default=None, envvar="DIRECTCRM_PUBLIC_URL",
              help="The public address (default $DIRECTCRM_PUBLIC_URL).")
@FORMAT_OPTION
@handles_domain_errors
def surveys_list_cmd(brand_code: str, base_url: str | None, fmt: str) -> None:
    """Every survey: kind, customer, sent, expires, answered, score, and its link."""
    base = (base_url or "http://127.0.0.1:5000").rstrip("/")
    with _ctx(brand_code) as ctx:
        rows = [[s.id, s.kind, ref, services.iso(ctx, s.sent_at),
                 services.iso(ctx, s.expires_at), services.iso(ctx, s.answered_at), s.score,
                 f"{base}/survey/{brand_code}/{surveys.token(s)}"]
                for s, ref in surveys.listing(ctx)]
    emit_rows(("id", "kind", "customer_ref", "sent_at", "expires_at", "answered_at", "score",
               "link"), rows, fmt)


@surveys_group.group("template")
def template_group() -> None:
    """A kind's extra questions (up to 14 besides the score, three languages)."""


@template_group.command("set")
@BRAND_OPTION
@click.option("--kind", required=True, type=click.Choice(["csat", "nps", "ces"]))
@click.option("--file", "path", required=True, type=click.Path(dir_okay=False),
              help="JSON: a list of {key, type, text: {en, zh_Hans_CN, zh_Hant_TW}, "
                   "required, choices}.")
@USER_OPTION
@handles_domain_errors
def template_set_cmd(brand_code: str, kind: str, path: str, user: str) -> None:
    """Replace the kind's extra questions; surveys already sent keep theirs."""
    try:
        with open(path, encoding="utf-8") as fh:
            questions = json.load(fh)
    except (OSError, ValueError) as exc:
        raise ValidationFailed({"file": [_("Not a readable JSON file: %(reason)s",
                                           reason=str(exc))]}) from None
    with _ctx(brand_code, user) as ctx:
        n = len(surveys.set_template(ctx, kind, questions))
    click.echo(_("%(n)s questions saved.", n=n))


@template_group.command("show")
@BRAND_OPTION
@click.option("--kind", required=True, type=click.Choice(["csat", "nps", "ces"]))
@handles_domain_errors
def template_show_cmd(brand_code: str, kind: str) -> None:
    """The kind's extra questions as JSON."""
    with _ctx(brand_code) as ctx:
        click.echo(json.dumps(surveys.template(ctx, kind), ensure_ascii=False, indent=2))


@surveys_group.command("stats")
@BRAND_OPTION
@click.option("--period", required=True, help="The month, YYYY-MM.")
@FORMAT_OPTION
@handles_domain_errors
def surveys_stats_cmd(brand_code: str, period: str, fmt: str) -> None:
    """CSAT (average 1-5), NPS (promoters % - detractors %), CES (average 1-7) of the
    month's answers: overall, per rep and per category."""
    with _ctx(brand_code) as ctx:
        figures = surveys.stats(ctx, period)
    emit_rows(("kind", "group", "key", "responses", "value"),
              [[f.kind, f.group, f.key, f.responses, f.value] for f in figures], fmt)


def commands() -> list[click.Command]:
    """The module's command groups."""
    return [complaints_group, calendar_group, surveys_group]
