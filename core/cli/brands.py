"""``directcrm init``, ``brand create`` and ``brand list``."""

from __future__ import annotations

import json

import click

from core.cli.common import cli, handles_domain_errors, runtime
from core.i18n import _
from core.labels import label
from core.services.brands import create_brand, list_brands


@cli.command()
@click.option("--admin-password", envvar="DIRECTCRM_ADMIN_PASSWORD", default=None,
              help="Password of the 'admin' super admin (default: generated and printed).")
@handles_domain_errors
def init(admin_password: str | None) -> None:
    """Create or upgrade the database, and the 'admin' user on first run."""
    from core.crypto import keyring
    from core.migrate import upgrade
    from core.web.users import ensure_admin

    rt = runtime()
    keyring()  # the key file is made now, beside the database, to be backed up with it
    upgrade(rt.engine)
    click.echo(_("Database ready: %(url)s", url=rt.engine.url.render_as_string(
        hide_password=True)))
    created, password = ensure_admin(rt, admin_password)
    if created:
        click.echo(_("Created the super admin 'admin' with password: %(password)s",
                     password=password))


@cli.group()
def brand() -> None:
    """Manage brands."""


@brand.command("create")
@click.argument("code")
@click.option("--name", required=True, help="Display name of the brand.")
@click.option("--currency", default="CNY", show_default=True, help="ISO 4217 code.")
@click.option("--timezone", default="Asia/Shanghai", show_default=True, help="IANA timezone.")
@click.option("--jurisdiction", default="CN", show_default=True,
              type=click.Choice(["CN", "TW", "US", "EU"]), help="Compliance profile.")
@click.option("--locale", default="zh_Hans_CN", show_default=True,
              help="Default language: en, zh_Hans_CN or zh_Hant_TW.")
@handles_domain_errors
def brand_create(code: str, name: str, currency: str, timezone: str, jurisdiction: str,
                 locale: str) -> None:
    """Create brand CODE."""
    ctx = runtime().ctx()
    b = create_brand(ctx, {"code": code, "name": name, "currency": currency,
                           "timezone": timezone, "jurisdiction": jurisdiction, "locale": locale})
    click.echo(_("Created brand %(code)s (%(name)s).", code=b.code, name=b.name))


@brand.command("update")
@click.argument("code")
@click.option("--name", default=None, help="Display name of the brand.")
@click.option("--currency", default=None, help="ISO 4217 code (only while no order exists).")
@click.option("--timezone", default=None, help="IANA timezone.")
@click.option("--jurisdiction", default=None, help="CN, TW, US or EU (picks the rule pack).")
@click.option("--locale", default=None, help="Default language: zh_Hans_CN, zh_Hant_TW, en.")
@click.option("--user", default=None, help="Who makes the change, for the audit log.")
@handles_domain_errors
def brand_update(code: str, name: str | None, currency: str | None, timezone: str | None,
                 jurisdiction: str | None, locale: str | None, user: str | None) -> None:
    """Change a brand (the code stays)."""
    import getpass

    from core.services.brands import update_brand

    ctx = runtime().ctx(code, user=user or getpass.getuser())
    changes = {k: v for k, v in (("name", name), ("currency", currency),
                                 ("timezone", timezone), ("jurisdiction", jurisdiction),
                                 ("locale", locale)) if v is not None}
    b = update_brand(ctx, changes)
    click.echo(_("Brand %(code)s: %(name)s, %(currency)s, %(tz)s, %(jurisdiction)s, "
                 "%(locale)s.", code=b.code, name=b.name, currency=b.currency, tz=b.timezone,
                 jurisdiction=b.jurisdiction.value, locale=b.default_locale))


@brand.command("list")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
def brand_list(as_json: bool) -> None:
    """List brands."""
    ctx = runtime().ctx()
    brands = list_brands(ctx)
    if as_json:
        click.echo(json.dumps([{"code": b.code, "name": b.name, "currency": b.currency,
                                "timezone": b.timezone, "jurisdiction": b.jurisdiction.value,
                                "locale": b.default_locale} for b in brands],
                              ensure_ascii=False, indent=2))
        return
    for b in brands:
        click.echo(f"{b.code}\t{b.name}\t{b.currency}\t{b.timezone}"
                   f"\t{label('jurisdiction', b.jurisdiction)}\t{b.default_locale}")
