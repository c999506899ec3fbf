"""The Settings screen: every declared setting of the brand, grouped by area.

Generated from the declarations (``core.settings``): one form per area, the input chosen
by the setting's kind, the label and help translated. Saving an area changes only the
values that differ, through the one settings service (validated, audited, all or none).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from itertools import groupby
from typing import Any

from flask import flash, redirect, request, url_for
from flask_appbuilder import expose, has_access

from core import labels
from core.errors import ValidationFailed
from core.i18n import N_
from core.i18n import gettext_core as _
from core.services.settings import SettingValue, list_settings, set_settings
from core.settings import Kind, Setting
from core.web import roles
from core.web.context import crm_ctx
from core.web.views.base import CrmView, not_found_on_missing

# Titles of the core areas; a module's area is titled with the module's name.
AREA_TITLES = {
    "orders": N_("Orders and payments"), "customers": N_("Customers"), "reps": N_("Reps"),
    "lifecycle": N_("Customer lifecycle"), "figures": N_("Figures"),
    "tasks": N_("Rule-driven tasks"), "leads": N_("Leads"),
    "segmentation": N_("Segmentation"), "churn_risk": N_("Churn risk"),
    "loyalty": N_("Loyalty points"), "compliance": N_("Compliance"),
}


def form_text(setting: Setting, value: Any) -> str:
    """A stored value as the text an input shows (lists comma-separated, maps as JSON)."""
    if value is None:
        return ""
    if isinstance(value, dict):
        return json.dumps(value, ensure_ascii=False, sort_keys=True)
    if isinstance(value, list):
        return ", ".join(str(v) for v in value)
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def choice_text(setting: Setting, code: str) -> str:
    """One choice (or ``true``/``false``) as people read it: its label in the setting's
    label family, the code itself where it has none."""
    if setting.kind == Kind.BOOL:
        return labels.label("boolean", code.capitalize())
    return labels.label(setting.choice_labels, code) if setting.choice_labels else code


def choices_text(setting: Setting, codes: Any) -> str:
    """A list of choices as people read it (comma-separated labels)."""
    return ", ".join(choice_text(setting, str(c)) for c in codes or [])


_ABSENT = object()


def submitted(setting: Setting, form: Any) -> Any:
    """The value a form posted for ``setting`` (checkboxes for a list of choices, with a
    hidden empty value so that "none checked" is posted too), or ``_ABSENT``."""
    name = setting.name
    if name not in form:
        return _ABSENT
    if setting.kind == Kind.CHOICES:
        return [c for c in setting.choices if c in form.getlist(name)]
    raw = (form.get(name) or "").strip()
    if raw == "" and setting.nullable:
        return None
    return setting.parse(raw.replace("，", ","))


class SettingsView(CrmView):
    """Brand settings, generated from the declarations."""

    route_base = "/settings"
    class_permission_name = roles.SETTINGS
    method_permission_name = {"list": "read", "save_area": "write"}

    def _render(self, rows: list[SettingValue], errors: Mapping[str, list[str]],
                posted: Mapping[str, Any] | None = None, area: str | None = None) -> Any:
        areas = [(key, list(group)) for key, group in
                 groupby(rows, key=lambda r: r.setting.area)]
        return self.page("crm/settings/list.html", areas=areas, errors=errors,
                         posted=posted or {}, posted_area=area, titles=AREA_TITLES,
                         form_text=form_text, choice_text=choice_text,
                         choices_text=choices_text, Kind=Kind, title=_("Settings"))

    @expose("/list/")
    @has_access
    @not_found_on_missing
    def list(self) -> Any:
        return self._render(list_settings(crm_ctx()), {})

    @expose("/save/<area>", methods=["POST"])
    @has_access
    @not_found_on_missing
    def save_area(self, area: str) -> Any:
        ctx = crm_ctx()
        rows = list_settings(ctx)
        changes = {}
        for row in rows:
            if row.setting.area != area:
                continue
            value = submitted(row.setting, request.form)
            if value is not _ABSENT and value != row.value:
                changes[row.setting.name] = value
        try:
            if changes:
                set_settings(ctx, changes)
        except ValidationFailed as exc:
            posted = {n: request.form.getlist(n) if len(request.form.getlist(n)) > 1
                      else request.form.get(n, "") for n in request.form}
            return self._render(rows, exc.errors, posted, area), 422
        flash(_("Saved %(n)s change(s).", n=len(changes)) if changes
              else _("Nothing changed."), "success")
        return redirect(url_for(".list") + f"#area-{area}")
