"""Testing a directcrm module: a pytest plugin installed with directcrm.

``pip install directcrm`` registers it (entry point ``pytest11``), so a partner's test
suite gets these fixtures without copying anything. Every test runs on a real, emptied
database: SQLite by default, PostgreSQL with ``DIRECTCRM_TEST_DB=postgresql`` and
``DIRECTCRM_TEST_PG_URL`` (``.ci/pg start`` prints one).

=================  ==========================================================================
fixture            what it gives
=================  ==========================================================================
``rt``             the runtime on the test database, emptied before the test; its registry
                   holds every installed module (yours included, through its entry point)
``clock``          a settable clock (:class:`FixedClock`), 2026-03-02 02:00 UTC at the start
``make_ctx``       ``make_ctx("A", user="tester")`` → a :class:`core.api.Ctx` for a brand,
                   on its own session and the test clock
``brands``         creates brand A (CN, Asia/Shanghai, CNY) and B (TW, Asia/Taipei, TWD)
``ctx_a``/``ctx_b``  contexts of brand A and B
``enable``         ``enable(ctx, "mymodule")`` enables modules for the context's brand
``run_cli``        ``run_cli("mymodule", "report", "--brand", "A")`` runs the directcrm CLI
                   (core and module commands) against the test database; returns click's
                   result (``exit_code``, ``output``)
``web_app``        the web app (admin and REST API) on the test database and clock
``make_user``      ``make_user("li.na", "brand_admin", brand="A")`` creates a login
                   (roles: super_admin, brand_admin, manager, rep (give ``rep_ref``),
                   customer_service, compliance_officer); password :data:`PASSWORD`
``login_as``       ``login_as("li.na")`` → a Flask test client with a logged-in browser
                   session (for pages)
``api_headers``    ``api_headers("li.na")`` → ``{"Authorization": "Bearer ..."}`` for the
                   REST API
=================  ==========================================================================

Run the tick in a test with ``core.scheduler.run_jobs(ctx)`` (every job) or
``run_cli("tick", "--brand", "A", "--now", "2026-03-02T18:00:00Z")`` (the due ones).
"""

from core.testing.plugin import PASSWORD, FixedClock

__all__ = ["PASSWORD", "FixedClock"]
