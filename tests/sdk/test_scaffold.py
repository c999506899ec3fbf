"""``directcrm module new``: the skeleton is lint-clean, is discovered like an installed
module, its migration matches its models, and its own tests pass with the installed
fixtures, on the database the suite runs on."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from click.testing import CliRunner

from core.cli import cli

ROOT = Path(__file__).resolve().parents[2]


def _distribution(site: Path, name: str) -> None:
    """Make ``name`` discoverable as installed (what ``pip install -e`` would record)."""
    info = site / f"directcrm_{name}-0.1.0.dist-info"
    info.mkdir(parents=True)
    (info / "METADATA").write_text(f"Metadata-Version: 2.1\nName: directcrm-{name}\n"
                                   "Version: 0.1.0\n", encoding="utf-8")
    (info / "entry_points.txt").write_text(f"[directcrm.plugins]\n{name} = {name}\n",
                                           encoding="utf-8")


def test_a_new_module_works_out_of_the_box(tmp_path: Path) -> None:
    target = tmp_path / "acme_notes"
    result = CliRunner().invoke(cli, ["module", "new", "acme_notes", "--dir", str(target),
                                      "--title", "Acme notes"])
    assert result.exit_code == 0, result.output
    again = CliRunner().invoke(cli, ["module", "new", "acme_notes", "--dir", str(target)])
    assert again.exit_code == 1 and "dir" in again.output
    bad = CliRunner().invoke(cli, ["module", "new", "Acme-Notes", "--dir",
                                   str(tmp_path / "x")])
    assert bad.exit_code == 1 and "name" in bad.output
    lint = subprocess.run([sys.executable, "-m", "ruff", "check", "."],  # its own config
                          capture_output=True, text=True, cwd=target)
    assert lint.returncode == 0, lint.stdout
    site = tmp_path / "site"
    _distribution(site, "acme_notes")
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(target), str(site), str(ROOT)])}
    # The migration creates exactly what the models declare (alembic check on SQLite).
    check = subprocess.run([sys.executable, "-c", (
        "from core.crypto import Keyring, set_keyring; from core.db import make_engine;"
        "from core import migrate; set_keyring(Keyring.generate());"
        f"e = make_engine('sqlite:///{tmp_path / 'm.db'}'); migrate.upgrade(e);"
        "migrate.check(e); import sqlalchemy as sa;"
        "print(sorted(t for t in sa.inspect(e).get_table_names() if 'acme_notes' in t))")],
        capture_output=True, text=True, env=env, cwd=tmp_path)
    assert check.returncode == 0, check.stderr[-2000:]
    assert "No new upgrade operations detected" in check.stdout
    assert check.stdout.strip().splitlines()[-1] == "['acme_notes_notes']"
    tests = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider",
                            str(target / "tests")], capture_output=True, text=True, env=env,
                           cwd=tmp_path)
    assert tests.returncode == 0, tests.stdout[-3000:]
    assert "6 passed" in tests.stdout  # incl. its page, API, daily job and Chinese catalog
