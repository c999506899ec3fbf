"""The WSGI application for servers (``gunicorn core.web.wsgi:app``); settings from the
environment, as for ``directcrm serve``."""

from core.web.app import create_app

app = create_app()
