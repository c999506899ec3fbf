"""A user's own account pages in the product's layout: change one's password (reached by
clicking one's name) and, for the super admin, set another user's password.

They replace Flask-AppBuilder's bare "Reset Password Form" pages (same URLs, same class
names, so the same permissions): the product's form, labels and messages in the user's
language, and the one password policy (:func:`core.users.passwords.password_problems`:
length, not the user name, not a common or easily guessed password).
"""

from __future__ import annotations

from typing import Any

from flask import abort, flash, g, redirect, request, url_for
from flask_appbuilder import expose, has_access
from flask_appbuilder.security.views import ResetMyPasswordView as FabResetMyPasswordView
from flask_appbuilder.security.views import ResetPasswordView as FabResetPasswordView

from core.i18n import N_
from core.i18n import gettext_core as _
from core.users.passwords import MIN_LENGTH, password_problems
from core.web.views.base import Field

TEMPLATE = "crm/account/password.html"


def password_fields() -> list[Field]:
    """The two fields of a password form (labels as msgids, the help translated)."""
    return [
        Field("password", N_("New password"), "password", required=True,
              help=_("At least %(n)s characters; not the user name, and not a common "
                     "password or a simple pattern. A phrase of unrelated words works "
                     "well.", n=MIN_LENGTH),
              attrs={"autocomplete": "new-password", "minlength": str(MIN_LENGTH)}),
        Field("conf_password", N_("Repeat the new password"), "password", required=True,
              attrs={"autocomplete": "new-password"}),
    ]


def check_passwords(form: Any, username: str | None) -> tuple[str, dict[str, list[str]]]:
    """The new password and the field errors (translated) of a submitted password form."""
    password = form.get("password") or ""
    errors: dict[str, list[str]] = {}
    if not password:
        errors["password"] = [_("Required.")]
    else:
        problems = password_problems(password, username)
        if problems:
            errors["password"] = problems
    if password and (form.get("conf_password") or "") != password:
        errors["conf_password"] = [_("The two passwords differ.")]
    return password, errors


class _PasswordPage:
    """What both pages share: rendering the form with the product's layout."""

    def _page(self: Any, title: str, intro: str, errors: dict[str, list[str]],
              back: str | None, status: int = 200) -> Any:
        return self.render_template(TEMPLATE, title=title, intro=intro,
                                    fields=password_fields(), values={}, errors=errors,
                                    back=back, submit=_("Change password")), status


class ResetMyPasswordView(_PasswordPage, FabResetMyPasswordView):
    """``/resetmypassword/form``: the signed-in user changes their own password."""

    def _intro(self) -> str:
        return _("Choose a new password for %(user)s. Changing it signs you out everywhere, "
                 "this browser included; sign in again with the new password.",
                 user=g.user.username)

    @expose("/form", methods=["GET"])
    @has_access
    def this_form_get(self) -> Any:
        """The empty form."""
        return self._page(_("Change password"), self._intro(), {},
                          url_for("DashboardView.index"))

    @expose("/form", methods=["POST"])
    @has_access
    def this_form_post(self) -> Any:
        """Apply the policy; on success the new password ends every session."""
        password, errors = check_passwords(request.form, g.user.username)
        if errors:
            return self._page(_("Change password"), self._intro(), errors,
                              url_for("DashboardView.index"), 200)
        self.appbuilder.sm.reset_password(g.user.id, password)
        flash(_("Your password was changed. Sign in with the new password."), "success")
        return redirect(url_for("DashboardView.index"))


class ResetPasswordView(_PasswordPage, FabResetPasswordView):
    """``/resetpassword/form?pk=<user id>``: the super admin sets another user's password
    (the policy checks that user's name, not the admin's)."""

    def _target(self) -> Any:
        user = self.appbuilder.sm.get_user_by_id(request.args.get("pk", type=int))
        if user is None:
            abort(404)
        return user

    def _intro(self, user: Any) -> str:
        return _("Set a new password for %(user)s. Their sessions and tokens end at once; "
                 "give them the password in person or by phone.", user=user.username)

    def _back(self) -> str:
        return url_for("UserView.list")

    @expose("/form", methods=["GET"])
    @has_access
    def this_form_get(self) -> Any:
        """The empty form for the user ``pk``."""
        user = self._target()
        return self._page(_("Set password"), self._intro(user), {}, self._back())

    @expose("/form", methods=["POST"])
    @has_access
    def this_form_post(self) -> Any:
        """Apply the policy to the user's name; on success end the user's sessions."""
        user = self._target()
        password, errors = check_passwords(request.form, user.username)
        if errors:
            return self._page(_("Set password"), self._intro(user), errors, self._back())
        self.appbuilder.sm.reset_password(user.id, password)
        flash(_("The password of %(user)s was changed.", user=user.username), "success")
        return redirect(self._back())
