"""``directcrm module new NAME``: a working module to start from, for partners.

The skeleton is a small but complete module built only on ``core.api``: a manifest, a
table with its first migration, a declared setting, a service that writes through one
path (validate, write, audit), a CLI command, a section on the customer page, and tests
that use the installable pytest fixtures (``core.testing``). ``pip install -e DIR`` makes
the installation discover it (entry point ``directcrm.plugins``).
"""

from __future__ import annotations

import keyword
import re
from pathlib import Path
from string import Template

from core.errors import ValidationFailed
from core.i18n import _

_FILES: dict[str, str] = {
    "pyproject.toml": '''\
[build-system]
requires = ["setuptools>=68"]
build-backend = "setuptools.build_meta"

[project]
name = "directcrm-$name"
version = "0.1.0"
description = "$title: a directcrm module."
requires-python = ">=3.11"
dependencies = ["directcrm>=0.2,<1"]  # the public API is stable within a major version

[project.entry-points."directcrm.plugins"]
$name = "$name"

[tool.setuptools.packages.find]
include = ["$name*"]

[tool.setuptools.package-data]
$name = ["locales/*/LC_MESSAGES/*.po", "migrations/versions/*.py", "templates/*/*.html"]

[tool.ruff]
line-length = 100
extend-exclude = ["$name/migrations/versions"]

[tool.ruff.lint]
select = ["E", "F", "W", "I", "B", "UP"]

[tool.ruff.lint.isort]
known-first-party = ["$name"]
''',
    "README.md": '''\
# $title (directcrm module `$name`)

Install next to directcrm, create its tables, enable it for a brand:

    pip install -e .
    directcrm init
    directcrm module enable BRAND $name
    directcrm $name add-note --brand BRAND --customer C00001 --text "Prefers WeChat"
    directcrm $name notes --brand BRAND --customer C00001

Run its tests (the fixtures come with directcrm: `ctx_a`, `enable`, `run_cli`, ...):

    pytest tests

Translations are in `$name/locales/<locale>/LC_MESSAGES/$name.po` (Simplified and
Traditional Chinese to start with; `$name/i18n.py` registers them). Add a string with `_()`
imported from `$name.i18n` (the module's catalog is read first), then its translation to
each catalog (`pybabel extract -o $name.pot $name` lists them).

After changing `models.py`, add a migration:

    directcrm module revision $name -m "what changed"
''',
    "$name/__init__.py": '''\
"""$title: notes about customers (a directcrm module; start from here)."""

MANIFEST = {
    "name": "$name",
    "version": "0.1.0",
    "summary": "$title.",
    "depends": [],
}
''',
    "$name/models.py": '''\
"""The module's tables: keyed by (id, brand_id) with BrandScoped, brand_id in every unique
key, and brand_foreign_key for every reference to another brand-scoped table."""

from __future__ import annotations

import datetime as dt

from core.api import Base, BrandScoped, UTCDateTime, brand_foreign_key
from sqlalchemy import String, Text
from sqlalchemy.orm import Mapped, mapped_column


class Note(BrandScoped, Base):
    """A note about a customer."""

    __tablename__ = "${name}_notes"
    __table_args__ = (brand_foreign_key("customer_id", "customers"),)

    customer_id: Mapped[int] = mapped_column(index=True)
    text: Mapped[str] = mapped_column(Text)
    created_by: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
''',
    "$name/services.py": '''\
"""The business logic: functions of ``ctx``, the one write path of each record."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from core.api import (
    BrandScopedSchema,
    Ctx,
    Customer,
    ModuleError,
    ValidationFailed,
    clean_row,
    get_setting,
    load_or_raise,
    resolve_customer,
    row_policy,
)
from marshmallow import fields, validate
from sqlalchemy import func, select

from $name.i18n import _
from $name.models import Note

MODULE = "$name"


def require_enabled(ctx: Ctx) -> None:
    """Refuse calls for a brand that has not enabled the module."""
    if MODULE not in ctx.enabled_modules:
        raise ModuleError(_("The %(module)s module is not enabled for brand %(brand)s.",
                            module=MODULE, brand=ctx.brand.code if ctx.brand else "-"))


class NoteSchema(BrandScopedSchema):
    customer_ref = fields.String(required=True, validate=validate.Length(min=1, max=64))
    text = fields.String(required=True, validate=validate.Length(min=1, max=2000))


def add_note(ctx: Ctx, data: Mapping[str, Any]) -> Note:
    """Validate, write (audited by the core's unit of work), return the note."""
    require_enabled(ctx)
    values = load_or_raise(NoteSchema(tz=ctx.tz), clean_row(data))
    limit = int(get_setting(ctx, "$name.max_length"))
    if len(values["text"]) > limit:
        raise ValidationFailed({"text": [_("At most %(n)s characters.", n=limit)]})
    with ctx.write():
        customer = resolve_customer(ctx, values["customer_ref"])  # merges, rep scope
        note = Note(brand_id=ctx.brand_id, customer_id=customer.id, text=values["text"],
                    created_by=ctx.user, created_at=ctx.now())
        ctx.session.add(note)
    return note


def latest_notes(ctx: Ctx, limit: int = 50) -> list[tuple[Note, Customer]]:
    """The brand's latest notes with their customers; a rep sees only their own
    customers' notes (the core's row policy)."""
    require_enabled(ctx)
    return [(n, c) for n, c in ctx.session.execute(
        select(Note, Customer).join(Customer, Customer.id == Note.customer_id)
        .where(Note.brand_id == ctx.brand_id, *row_policy(ctx, Customer))
        .order_by(Note.created_at.desc(), Note.id.desc()).limit(limit))]


def notes_since(ctx: Ctx, since: dt.datetime) -> int:
    """How many notes were written since ``since`` (the daily digest's figure)."""
    return ctx.session.scalar(select(func.count()).select_from(Note).where(
        Note.brand_id == ctx.brand_id, Note.created_at >= since)) or 0


def notes(ctx: Ctx, customer_id: int) -> list[Note]:
    """A customer's notes, newest first."""
    require_enabled(ctx)
    return list(ctx.session.scalars(select(Note).where(
        Note.brand_id == ctx.brand_id, Note.customer_id == customer_id)
        .order_by(Note.created_at.desc(), Note.id.desc())))
''',
    "$name/cli.py": '''\
"""``directcrm $name ...``: thin commands that parse, call the services and print."""

from __future__ import annotations

import click
from core.api import N_, Customer, get_by_ref
from core.api.cli import FORMAT_OPTION, brand_ctx, emit_rows, handles_domain_errors

from $name import services
from $name.i18n import _

BRAND = click.option("--brand", "brand_code", required=True, help=N_("Brand code."))


@click.group("$name")
def group() -> None:
    """$title."""


@group.command("add-note", help=N_("Add a note about a customer."))
@BRAND
@click.option("--customer", "customer_ref", required=True, help=N_("Customer reference."))
@click.option("--text", required=True, help=N_("The note."))
@click.option("--user", default="system", help=N_("Who writes it."))
@handles_domain_errors
def add_note_cmd(brand_code: str, customer_ref: str, text: str, user: str) -> None:
    """Add a note about a customer."""
    with brand_ctx(brand_code, user=user, module=services.MODULE) as ctx:
        note = services.add_note(ctx, {"customer_ref": customer_ref, "text": text})
        click.echo(_("Note %(id)s added.", id=note.id))


@group.command("notes", help=N_("A customer's notes, newest first."))
@BRAND
@click.option("--customer", "customer_ref", required=True, help=N_("Customer reference."))
@FORMAT_OPTION
@handles_domain_errors
def notes_cmd(brand_code: str, customer_ref: str, fmt: str) -> None:
    """A customer's notes, newest first."""
    with brand_ctx(brand_code, module=services.MODULE) as ctx:
        customer = get_by_ref(ctx, Customer, customer_ref)
        emit_rows(("created_at", "created_by", "text"),
                  [(n.created_at, n.created_by, n.text)
                   for n in services.notes(ctx, customer.id)], fmt)
''',
    "$name/plugin.py": '''\
"""Hook implementations: thin adapters onto ``services`` (docs/hooks.md lists them all)."""

from __future__ import annotations

import datetime as dt
from typing import Any

import click
from core.api import N_, Ctx, JobResult, Kind, ProfileSection, ScheduledJob, Setting, hookimpl
from markupsafe import Markup

from $name import models as _models  # noqa: F401  (registers the tables)
from $name import services
from $name.i18n import _


@hookimpl
def crm_settings(ctx: Ctx) -> list[Setting]:
    """The module's settings (validation, CLI and the Settings screen come from here)."""
    return [Setting("$name", "max_length", Kind.INT, 500, N_("Longest note (characters)"),
                    min=10, max=2000)]


@hookimpl
def crm_customer_profile_sections(ctx: Ctx, customer_id: int) -> list[ProfileSection]:
    """The customer's latest notes on the customer page (values escaped)."""
    items = Markup("").join(Markup("<li>{}</li>").format(n.text)
                            for n in services.notes(ctx, customer_id)[:5])
    html = Markup("<ul>{}</ul>").format(items) if items else Markup("<p>{}</p>").format(
        _("No notes yet."))
    return [ProfileSection(key="$name", title=_("Notes"), html=str(html), order=90)]


@hookimpl
def crm_scheduled_jobs(ctx: Ctx) -> list[ScheduledJob]:
    """A daily digest: how many notes the last day brought (``directcrm tick`` runs it;
    ``directcrm jobs list --brand B`` shows its last run)."""
    return [ScheduledJob("$name.digest", _digest, N_("Count yesterday's notes"),
                         "daily 07:00")]


def _digest(ctx: Ctx) -> JobResult:
    n = services.notes_since(ctx, ctx.now() - dt.timedelta(days=1))
    return JobResult(message=_("%(n)s notes in the last day.", n=n), counts={"notes": n})


@hookimpl
def crm_register_views(ctx: Ctx, appbuilder: Any) -> None:
    """The notes page (menu) and the REST API ``/api/v1/$name``."""
    from $name.web import register

    register(appbuilder)


@hookimpl
def crm_cli_commands(ctx: Ctx) -> list[click.Command]:
    """``directcrm $name ...``."""
    from $name.cli import group

    return [group]
''',
    "$name/i18n.py": '''\
"""The module's translations: its own catalog (``locales/``) first, then the core's.

Import ``_`` and ``ngettext`` from here, not from ``core.api``: a msgid the core (or
another module) also translates keeps this module's meaning.
"""

from __future__ import annotations

from pathlib import Path

from core.api import module_translations, register_catalog

register_catalog(Path(__file__).resolve().parent / "locales", "$name")
_translations = module_translations("$name")
_ = _translations.gettext
ngettext = _translations.ngettext
''',
    "$name/web.py": '''\
"""The notes page and the REST API: thin, they read the request and call the services.
Resource ``mod_$name`` (brand admins and managers write, other roles read; the
manifest's ``grants`` can give more); brands without the module get 404."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from core.api import N_, ValidationFailed, resolve_customer
from core.api.web import (
    CrmApi,
    CrmView,
    api_errors,
    jsonable,
    module_ctx,
    not_found_on_missing,
    openapi,
    out,
)
from flask import request
from flask_appbuilder import AppBuilder, expose, has_access
from flask_appbuilder.api import protect
from marshmallow import Schema

from $name import services
from $name.i18n import _

RESOURCE = "mod_$name"


class NotesView(CrmView):
    """``/$name/``: the brand's latest notes."""

    route_base = "/$name"
    default_view = "index"
    class_permission_name = RESOURCE
    template_folder = str(Path(__file__).resolve().parent / "templates")
    method_permission_name = {"index": "read"}

    @expose("/")
    @has_access
    @not_found_on_missing
    def index(self) -> Any:
        ctx = module_ctx(services.MODULE)
        return self.page("$name/notes.html", rows=services.latest_notes(ctx), _=_,
                         title=_("Notes"))


class NoteOut(Schema):
    """A note as the API answers it (the OpenAPI document shows this shape)."""

    text = out.text()
    created_by = out.text()
    created_at = out.when()


class NoteCreatedOut(Schema):
    id = out.integer()


class NotesApi(CrmApi):
    """``/api/v1/$name``: a customer's notes, and adding one."""

    resource_name = "$name"
    class_permission_name = RESOURCE
    method_permission_name = {"list_notes": "read", "add_note": "write"}

    @expose("/notes", methods=["GET"])
    @protect()
    @api_errors
    def list_notes(self) -> Any:
        ctx = module_ctx(services.MODULE)
        ref = request.args.get("customer_ref")
        if not ref:
            raise ValidationFailed({"customer_ref": [_("Missing data for required field.")]})
        customer = resolve_customer(ctx, ref)  # merges, rep scope (404 for others)
        return self.response(200, result=[
            {"text": n.text, "created_by": n.created_by, "created_at": jsonable(n.created_at)}
            for n in services.notes(ctx, customer.id)])

    openapi("A customer's notes", query={"customer_ref": "string"}, method="get",
            response=NoteOut, many=True)(list_notes)

    @expose("/notes", methods=["POST"])
    @protect()
    @api_errors
    def add_note(self) -> Any:
        note = services.add_note(module_ctx(services.MODULE), self.json_body())
        return self.response(201, result={"id": note.id})

    openapi("Add a note to a customer", body=services.NoteSchema, method="post",
            response=NoteCreatedOut)(add_note)


def register(appbuilder: AppBuilder) -> None:
    """Add the page to the menu and the API (called once, at start-up)."""
    appbuilder.add_view(NotesView, "$title", label=N_("Notes"))
    appbuilder.add_api(NotesApi)
''',
    "$name/templates/$name/notes.html": '''\
{% extends "crm/layout.html" %}
{% block content %}
<section class="card">
  <h3 class="section-title">{{ _('Latest notes') }}</h3>
  {% if rows %}
  <table class="table"><thead><tr><th>{{ _('Customer') }}</th><th>{{ _('Note') }}</th>
    <th>{{ _('Written') }}</th></tr></thead>
  <tbody>{% for note, customer in rows %}
    <tr><td>{{ customer.name }} ({{ customer.customer_ref }})</td><td>{{ note.text }}</td>
      <td>{{ note.created_at|dt('short') }}</td></tr>{% endfor %}</tbody></table>
  {% else %}<div class="empty">{{ _('No notes yet.') }}</div>{% endif %}
</section>
{% endblock %}
''',
    "$name/locales/zh_Hans_CN/LC_MESSAGES/$name.po": '''\
msgid ""
msgstr ""
"Content-Type: text/plain; charset=UTF-8\\n"
"Language: zh_Hans_CN\\n"

msgid "Notes"
msgstr "备注"

msgid "No notes yet."
msgstr "暂无备注。"

msgid "Note %(id)s added."
msgstr "已添加备注 %(id)s。"

msgid "Longest note (characters)"
msgstr "备注最长字数"

msgid "Latest notes"
msgstr "最新备注"

msgid "Note"
msgstr "备注内容"

msgid "Written"
msgstr "写于"

msgid "Count yesterday's notes"
msgstr "统计昨天的备注"

msgid "%(n)s notes in the last day."
msgstr "过去一天有 %(n)s 条备注。"

msgid "Add a note about a customer."
msgstr "为顾客添加一条备注。"

msgid "A customer's notes, newest first."
msgstr "顾客的备注，最新的在前。"

msgid "Brand code."
msgstr "品牌代码。"

msgid "Customer reference."
msgstr "顾客编号。"

msgid "The note."
msgstr "备注内容。"

msgid "Who writes it."
msgstr "填写人。"
''',
    "$name/locales/zh_Hant_TW/LC_MESSAGES/$name.po": '''\
msgid ""
msgstr ""
"Content-Type: text/plain; charset=UTF-8\\n"
"Language: zh_Hant_TW\\n"

msgid "Notes"
msgstr "備註"

msgid "No notes yet."
msgstr "暫無備註。"

msgid "Note %(id)s added."
msgstr "已新增備註 %(id)s。"

msgid "Longest note (characters)"
msgstr "備註最長字數"

msgid "Latest notes"
msgstr "最新備註"

msgid "Note"
msgstr "備註內容"

msgid "Written"
msgstr "寫於"

msgid "Count yesterday's notes"
msgstr "統計昨天的備註"

msgid "%(n)s notes in the last day."
msgstr "過去一天有 %(n)s 則備註。"

msgid "Add a note about a customer."
msgstr "為顧客新增一則備註。"

msgid "A customer's notes, newest first."
msgstr "顧客的備註，最新的在前。"

msgid "Brand code."
msgstr "品牌代碼。"

msgid "Customer reference."
msgstr "顧客編號。"

msgid "The note."
msgstr "備註內容。"

msgid "Who writes it."
msgstr "填寫人。"
''',
    "$name/migrations/__init__.py": "",
    "$name/migrations/versions/__init__.py": "",
    "$name/migrations/versions/${name}_0001_tables.py": '''\
"""$name tables

Revision ID: ${name}_0001
Revises:
"""
from alembic import op
import sqlalchemy as sa
import core.db

revision = "${name}_0001"
down_revision = None
branch_labels = ("$name",)
depends_on = "core"


def upgrade() -> None:
    op.create_table(
        "${name}_notes",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("brand_id", sa.Integer(), nullable=False),
        sa.Column("customer_id", sa.Integer(), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("created_by", sa.String(length=64), nullable=False),
        sa.Column("created_at", core.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["brand_id"], ["brands.id"],
                                name=op.f("fk_${name}_notes_brand_id_brands")),
        sa.ForeignKeyConstraint(["customer_id", "brand_id"], ["customers.id", "customers.brand_id"],
                                name=op.f("fk_${name}_notes_customer_id_customers")),
        sa.PrimaryKeyConstraint("id", "brand_id", name=op.f("pk_${name}_notes")),
    )
    op.create_index(op.f("ix_${name}_notes_brand_id"), "${name}_notes", ["brand_id"])
    op.create_index(op.f("ix_${name}_notes_customer_id"), "${name}_notes", ["customer_id"])


def downgrade() -> None:
    op.drop_table("${name}_notes")
''',
    "tests/test_$name.py": '''\
"""Tests of the $name module with directcrm's pytest fixtures (installed with directcrm):
``ctx_a``/``ctx_b`` (brands A and B), ``enable``, ``run_cli``, ``clock``."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from core.api import ModuleError, ValidationFailed

from $name import services


@pytest.fixture()
def customer(ctx_a, build):
    return build.customer(ctx_a, "C1", name="Li Na")


def test_a_note_is_written_and_listed(ctx_a, enable, customer, run_cli):
    enable(ctx_a, "$name")
    r = run_cli("$name", "add-note", "--brand", "A", "--customer", "C1", "--text", "VIP")
    assert r.exit_code == 0, r.output
    r = run_cli("$name", "notes", "--brand", "A", "--customer", "C1", "--format", "json")
    assert [n["text"] for n in json.loads(r.output)] == ["VIP"]


def test_bad_input_names_the_field(ctx_a, enable, customer):
    enable(ctx_a, "$name")
    with pytest.raises(ValidationFailed) as exc:
        services.add_note(ctx_a, {"customer_ref": "C1", "text": ""})
    assert "text" in exc.value.errors


def test_the_module_speaks_chinese(ctx_a, enable, customer, run_cli):
    from core.api import use_locale

    from $name.i18n import _
    from $name.plugin import crm_customer_profile_sections

    enable(ctx_a, "$name")
    with use_locale("zh_Hant_TW"):
        assert _("No notes yet.") == "暫無備註。"
        section = crm_customer_profile_sections(ctx_a, customer.id)[0]
    assert section.title == "備註"
    helped = run_cli("--locale", "zh_Hant_TW", "$name", "add-note", "--help")
    assert "為顧客新增一則備註。" in helped.output and "顧客編號。" in helped.output


def test_the_page_and_the_api(ctx_a, enable, customer, web_app, make_user, login_as,
                              api_headers):
    enable(ctx_a, "$name")
    services.add_note(ctx_a, {"customer_ref": "C1", "text": "Prefers WeChat"})
    make_user("boss", "brand_admin", brand="A")
    page = login_as("boss").get("/$name/")
    assert page.status_code == 200 and "Prefers WeChat" in page.get_data(as_text=True)
    client, headers = login_as("boss"), api_headers("boss")
    r = client.post("/api/v1/$name/notes", headers=headers,
                    json={"customer_ref": "C1", "text": "Call back"})
    assert r.status_code == 201, r.json
    r = client.get("/api/v1/$name/notes?customer_ref=C1", headers=headers)
    assert [n["text"] for n in r.json["result"]] == ["Call back", "Prefers WeChat"]
    bad = client.post("/api/v1/$name/notes", headers=headers, json={"customer_ref": "C1"})
    assert bad.status_code == 422 and "text" in bad.json["errors"]
    # Brand B has not enabled the module: its page and its API answer 404.
    make_user("boss_b", "brand_admin", brand="B")
    assert login_as("boss_b").get("/$name/").status_code == 404
    r = web_app.test_client().get("/api/v1/$name/notes?customer_ref=C1",
                                  headers=api_headers("boss_b"))
    assert r.status_code == 404, r.json
    # The OpenAPI document (public) describes the API with its typed answers.
    spec = web_app.test_client().get("/api/v1/_openapi").json
    notes = spec["paths"]["/api/v1/$name/notes"]
    assert {"get", "post"} <= set(notes) and "201" in notes["post"]["responses"]


def test_the_daily_digest_runs_on_the_tick(ctx_a, enable, customer, clock, run_cli):
    enable(ctx_a, "$name")
    for text in ("VIP", "Moved to Hangzhou"):
        services.add_note(ctx_a, {"customer_ref": "C1", "text": text})
    # The notes were written at the test clock's time; the tick runs an hour later.
    later = (clock.value + dt.timedelta(hours=1)).isoformat()
    r = run_cli("tick", "--brand", "A", "--all", "--now", later, "--json")
    assert r.exit_code == 0, r.output
    run = next(j for j in json.loads(r.output) if j["job"] == "$name.digest")
    assert run["counts"] == {"notes": 2}


def test_brands_without_the_module_are_refused(ctx_b):
    with pytest.raises(ModuleError):
        services.add_note(ctx_b, {"customer_ref": "C1", "text": "x"})
''',
}

NAME = re.compile(r"[a-z][a-z0-9_]{1,30}")


def scaffold(name: str, target: Path, title: str | None = None) -> list[Path]:
    """Write a new module ``name`` under ``target`` (which must not exist yet); returns
    the files written."""
    if not NAME.fullmatch(name) or keyword.iskeyword(name):
        raise ValidationFailed({"name": [_("Use 2 to 31 lower-case letters, digits and "
                                           "underscores, starting with a letter.")]})
    if target.exists() and any(target.iterdir()):
        raise ValidationFailed({"dir": [_("%(dir)s already exists and is not empty.",
                                          dir=str(target))]})
    values = {"name": name, "title": title or name.replace("_", " ").capitalize()}
    written = []
    for template_path, body in _FILES.items():
        path = target / Template(template_path).substitute(values)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(Template(body).substitute(values), encoding="utf-8")
        written.append(path)
    return written
