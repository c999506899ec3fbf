"""gunicorn settings of the API benchmark: the app is loaded once (``--preload``), so each
worker must drop the database connections it inherited from the master (SQLAlchemy's
advice for forking servers), or two processes talk over one PostgreSQL socket."""

from typing import Any


def post_fork(server: Any, worker: Any) -> None:
    from bench.wsgi import app

    app.extensions["directcrm"].engine.dispose(close=False)
