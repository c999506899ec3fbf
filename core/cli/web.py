"""``directcrm serve`` and ``directcrm user create``."""

from __future__ import annotations

import os
import signal
import subprocess
import sys

import click

from core.cli.common import cli, handles_domain_errors, runtime
from core.i18n import _
from core.web import roles


@cli.command()
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--port", default=5000, show_default=True, type=int, help="Port to listen on.")
@click.option("--workers", default=None, type=click.IntRange(1, 64),
              help="Worker processes (default: 2 per CPU core, at most 8).")
@click.option("--threads", default=4, show_default=True, type=click.IntRange(1, 64),
              help="Threads per worker.")
@click.option("--dev", is_flag=True,
              help="Flask's development server instead, reloading on code changes.")
@click.option("--worker/--no-worker", "with_worker", default=None,
              help="Also start a local `directcrm worker --queue-only` process for the "
                   "background jobs (default: on the embedded SQLite database only).")
@handles_domain_errors
def serve(host: str, port: int, workers: int | None, threads: int, dev: bool,
          with_worker: bool | None) -> None:
    """Start the web admin and REST API on an existing database: gunicorn with several
    workers (graceful restart on SIGHUP, access log on stdout, /healthz for probes); on
    SQLite also a local worker process for the background jobs."""
    if with_worker is None:
        with_worker = runtime().engine.dialect.name == "sqlite"
    worker = _start_local_worker() if with_worker else None
    try:
        if dev:
            _serve_dev(host, port)
            return
        from core.web.server import run_gunicorn

        click.echo(_("directcrm is running on http://%(host)s:%(port)s/ (Ctrl+C to stop)",
                     host=host, port=port))
        run_gunicorn(host, port, workers=workers, threads=threads)
    finally:
        if worker is not None:
            _stop_local_worker(worker)


def _start_local_worker() -> subprocess.Popen[bytes]:
    """``directcrm worker`` beside the web server (background jobs and schedules)."""
    rt = runtime()
    env = {**os.environ, "DIRECTCRM_DATABASE_URL": rt.settings.database_url,
           "DIRECTCRM_INSTANCE_PATH": str(rt.settings.instance_path)}
    click.echo(_("Started a local worker for background jobs."))
    # Queue only (the schedules stay with `directcrm worker` or cron), and it ends with
    # this process even when this one is killed.
    return subprocess.Popen([sys.executable, "-m", "core.cli", "worker", "--queue-only",
                             "--parent-pid", str(os.getpid())], env=env)


def _stop_local_worker(worker: subprocess.Popen[bytes]) -> None:
    if worker.poll() is None:
        worker.send_signal(signal.SIGTERM)
        try:
            worker.wait(timeout=60)
        except subprocess.TimeoutExpired:
            worker.kill()


@cli.command()
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--port", default=5000, show_default=True, type=int, help="Port to listen on.")
def dev(host: str, port: int) -> None:
    """The development server, reloading on code changes (= serve --dev)."""
    _serve_dev(host, port)


def _serve_dev(host: str, port: int) -> None:
    from werkzeug.serving import run_simple

    from core.web.app import create_app

    app = create_app(runtime())
    click.echo(_("directcrm (development server) is running on http://%(host)s:%(port)s/",
                 host=host, port=port))
    run_simple(host, port, app, threaded=True, use_reloader=True)


@cli.group()
def user() -> None:
    """Manage staff logins."""


@user.command("create")
@click.argument("username")
@click.option("--brand", "brand_code", default=None, help="Brand code (all roles but super admin).")
@click.option("--role", required=True, type=click.Choice(sorted(roles.ROLE_KEYS)),
              help="The user's role.")
@click.option("--rep-ref", default=None, help="For a rep login: the rep it belongs to.")
@click.option("--password", required=True,
              help="Initial password (at least 10 characters, hard to guess).")
@click.option("--locale", default=None, type=click.Choice(["en", "zh_Hans_CN", "zh_Hant_TW"]),
              help="Preferred language (default: the brand's).")
@handles_domain_errors
def user_create(username: str, brand_code: str | None, role: str, rep_ref: str | None,
                password: str, locale: str | None) -> None:
    """Create the login USERNAME."""
    from core.web.users import create_user

    create_user(runtime(), username, password, role, brand_code=brand_code, rep_ref=rep_ref,
                locale=locale)
    click.echo(_("Created user %(name)s (%(role)s).", name=username,
                 role=roles.role_name(role)))
