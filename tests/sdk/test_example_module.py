"""The example partner module (``examples/acme_meetings``) is installed like a third-party
distribution (``pip install -e`` by ``.ci/setup``, discovered through its entry point), so
the whole suite runs with a module directcrm does not ship; its own tests run in the same
session (``testpaths``)."""

from __future__ import annotations

from importlib.metadata import entry_points


def test_the_example_module_is_installed_and_listed(run_cli):
    names = {ep.name for ep in entry_points(group="directcrm.plugins")}
    assert "acme_meetings" in names, (
        "examples/acme_meetings is not installed: run .ci/setup "
        "(pip install -e examples/acme_meetings)")
    out = run_cli("plugins").output
    line = next(li for li in out.splitlines() if li.startswith("acme_meetings"))
    assert "crm_order_paid" in line and "crm_customer_profile_sections" in line


def test_a_brand_enables_it_and_uses_its_commands(ctx_a, run_cli):
    from core.services.customers import create_customer

    create_customer(ctx_a, {"customer_ref": "C1", "name": "Li Na"})
    assert run_cli("module", "enable", "A", "acme_meetings").exit_code == 0
    r = run_cli("acme_meetings", "add", "--brand", "A", "--ref", "M1", "--title", "Spring",
                "--at", "2026-03-10T14:00:00")
    assert r.exit_code == 0, r.output
    r = run_cli("acme_meetings", "attend", "--brand", "A", "--meeting", "M1", "--customer",
                "C1")
    assert r.exit_code == 0, r.output
    r = run_cli("acme_meetings", "report", "--brand", "A", "--meeting", "M1")
    assert "1 came" in r.output
    # Brand B has not enabled it: refused, exit status 1.
    assert run_cli("acme_meetings", "report", "--brand", "B", "--meeting", "M1").exit_code == 1
