"""Flask-AppBuilder's own strings show in Traditional Chinese to zh_Hant_TW users.

FAB ships only a Simplified ``zh`` catalog; ``locales/zh_Hant_TW/LC_MESSAGES/messages.po``
is merged over it by Flask-Babel.
"""

from __future__ import annotations

from flask_babel import force_locale
from flask_babel import gettext as fab_gettext

from core.web.app import create_app


def test_fab_strings_are_traditional_for_taiwan_and_simplified_for_mainland(rt):
    app = create_app(rt, {"TESTING": True, "WTF_CSRF_ENABLED": False})
    with app.test_request_context("/"):
        with force_locale("zh_Hant_TW"):
            assert fab_gettext("Access is Denied") == "存取遭拒"
            assert fab_gettext("Password") == "密碼"
        with force_locale("zh_Hans_CN"):
            assert fab_gettext("Password") == "密码"
        with force_locale("en"):
            assert fab_gettext("Password") == "Password"
