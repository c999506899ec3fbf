"""The WSGI app the API benchmark serves with gunicorn (settings from the environment:
``DIRECTCRM_DATABASE_URL``, ``DIRECTCRM_INSTANCE_PATH``)."""

from core.web.app import create_app

app = create_app()
