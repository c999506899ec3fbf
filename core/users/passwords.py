"""The one password policy, for the CLI, the demo and every Flask-AppBuilder form.

At least :data:`MIN_LENGTH` characters and hard enough to guess, as judged by zxcvbn
(Dropbox's estimator: common-password lists, dictionary words, keyboard patterns,
repeats, dates, and the user's own name): a score of at least :data:`MIN_SCORE` of 4.
"""

from __future__ import annotations

from zxcvbn import zxcvbn

from core.i18n import _

MIN_LENGTH = 10
MIN_SCORE = 3
MAX_LENGTH = 128  # zxcvbn's cost grows with the length; longer adds nothing


def password_problems(password: str, username: str | None = None) -> list[str]:
    """Translated reasons why ``password`` is refused (empty when it is fine)."""
    if len(password or "") < MIN_LENGTH:
        return [_("Use at least %(n)s characters.", n=MIN_LENGTH)]
    if len(password) > MAX_LENGTH:
        return [_("Use at most %(n)s characters.", n=MAX_LENGTH)]
    inputs = [username] if username else []
    if username and username.lower() in password.lower():
        return [_("Must not contain the user name.")]
    if zxcvbn(password, user_inputs=inputs)["score"] < MIN_SCORE:
        return [_("Too easy to guess (a common password, a word, a repeat or a keyboard "
                  "pattern); add unrelated words or characters.")]
    return []


def fab_password_validator(password: str) -> None:
    """``FAB_PASSWORD_COMPLEXITY_VALIDATOR``: the policy on FAB's password forms, for the
    user who is logged in (their name must not be the password)."""
    from flask_appbuilder.exceptions import PasswordComplexityValidationError

    from core.web.context import current_user

    user = current_user()
    problems = password_problems(password, getattr(user, "username", None))
    if problems:
        raise PasswordComplexityValidationError(" ".join(problems))
