"""A broken module (a misspelt hook, a failing import) is reported in one line by every
command, treated as not installed, and everything else keeps working: ``--help``,
``module list`` and ``module disable`` included."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

BROKEN = {
    "misspelt_mod": ('from core.api import hookimpl\n\n\n@hookimpl\n'
                     'def crm_order_payed(ctx, orders):\n    return None\n'),
    "crashing_mod": "import a_package_that_is_not_installed  # noqa: F401\n",
}


def _install(root: Path, name: str, plugin_py: str) -> None:
    package = root / "pkgs" / name
    package.mkdir(parents=True)
    (package / "__init__.py").write_text(
        f'MANIFEST = {{"name": "{name}", "version": "0.1.0", "summary": "x", "depends": []}}\n',
        encoding="utf-8")
    (package / "plugin.py").write_text(plugin_py, encoding="utf-8")
    info = root / "site" / f"{name}-0.1.0.dist-info"
    info.mkdir(parents=True)
    (info / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {name}\nVersion: 0.1.0\n",
                                   encoding="utf-8")
    (info / "entry_points.txt").write_text(f"[directcrm.plugins]\n{name} = {name}\n",
                                           encoding="utf-8")


def test_a_broken_module_does_not_take_the_installation_down(tmp_path: Path) -> None:
    for name, code in BROKEN.items():
        _install(tmp_path, name, code)
    env = {**os.environ,
           "PYTHONPATH": os.pathsep.join([str(tmp_path / "pkgs"), str(tmp_path / "site"),
                                          str(ROOT)]),
           "DIRECTCRM_INSTANCE_PATH": str(tmp_path / "instance"),
           "DIRECTCRM_DATABASE_URL": f"sqlite:///{tmp_path / 'crm.db'}"}
    env.pop("DIRECTCRM_KEYS", None)

    def run(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([sys.executable, "-m", "core.cli", *args], capture_output=True,
                              text=True, env=env, cwd=tmp_path)

    for args in (("--help",), ("init",), ("brand", "create", "ACME", "--name", "Acme"),
                 ("module", "enable", "ACME", "loyalty"), ("module", "list", "ACME"),
                 ("module", "disable", "ACME", "misspelt_mod"), ("plugins",)):
        r = run(*args)
        assert r.returncode == 0, (args, r.stdout, r.stderr[-2000:])
        warnings = [line for line in r.stderr.splitlines() if "is not loaded" in line]
        # One line per broken module, naming it and the reason.
        assert len(warnings) == 2, (args, r.stderr)
        assert any("misspelt_mod" in w and "crm_order_payed" in w for w in warnings)
        assert any("crashing_mod" in w and "a_package_that_is_not_installed" in w
                   for w in warnings)
    listed = run("module", "list", "ACME").stdout
    assert "loyalty" in listed and "enabled" in listed  # the rest keeps working
    assert "misspelt_mod\tnot loaded" in listed
