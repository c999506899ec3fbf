"""directcrm installed from its built wheel, away from this repository (no ``tests/``
folder, no source tree on the path): a partner's module tests run with the fixtures the
wheel ships, and ``pytest --fixtures`` describes each of them in one line."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def wheel_site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """directcrm's wheel, built here (no build isolation: nothing is downloaded) and
    unpacked into a folder of its own."""
    out = tmp_path_factory.mktemp("wheel")
    built = subprocess.run([sys.executable, "-m", "pip", "wheel", "-q", "--no-deps",
                            "--no-build-isolation", "-w", str(out / "dist"), str(ROOT)],
                           capture_output=True, text=True)
    assert built.returncode == 0, built.stderr[-2000:]
    [wheel] = (out / "dist").glob("directcrm-*.whl")
    site = out / "site"
    installed = subprocess.run([sys.executable, "-m", "pip", "install", "-q", "--no-deps",
                                "--target", str(site), str(wheel)],
                               capture_output=True, text=True)
    assert installed.returncode == 0, installed.stderr[-2000:]
    return site


def _run(args: list[str], cwd: Path, path: list[Path]) -> subprocess.CompletedProcess[str]:
    # Only the wheel (and the module under test) on the path; the repository is not.
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(str(p) for p in path)}
    return subprocess.run([sys.executable, *args], capture_output=True, text=True, cwd=cwd,
                          env=env)


def test_the_fixtures_come_from_the_wheel(wheel_site: Path, tmp_path: Path) -> None:
    where = _run(["-c", "import core.testing.plugin as p; print(p.__file__)"], tmp_path,
                 [wheel_site])
    assert where.stdout.strip().startswith(str(wheel_site)), where.stdout + where.stderr
    listed = _run(["-m", "pytest", "--fixtures", "-p", "no:cacheprovider"], tmp_path,
                  [wheel_site])
    assert listed.returncode in (0, 5), listed.stdout[-2000:]  # 5: no tests collected
    text = listed.stdout
    source = (wheel_site / "core" / "testing" / "plugin.py").read_text(encoding="utf-8")
    fixtures = re.findall(r"@pytest\.fixture\([^)]*?(?:name=\"(\w+)\")?[^)]*\)\s*\ndef (\w+)",
                          source)
    names = {alias or name for alias, name in fixtures}
    assert {"ctx_a", "ctx_b", "make_ctx", "clock", "rt", "enable", "run_cli", "web_app",
            "make_user", "login_as", "api_headers"} <= names
    for name in names:
        block = re.search(rf"^{name}(?: \[\w+ scope\])? -- .*\n(.*)", text, re.M)
        assert block, f"{name} not listed by pytest --fixtures"
        assert block.group(1).strip() and "no docstring" not in block.group(1), name


def test_a_module_is_tested_with_the_wheels_fixtures(wheel_site: Path, tmp_path: Path) -> None:
    target = tmp_path / "acme_visits"
    made = _run(["-m", "core.cli", "plugin", "new", "acme_visits", "--dir", str(target)],
                tmp_path, [wheel_site])
    assert made.returncode == 0, made.stdout + made.stderr
    # What `pip install -e` records, so directcrm discovers the module by entry point.
    info = tmp_path / "site" / "directcrm_acme_visits-0.1.0.dist-info"
    info.mkdir(parents=True)
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: directcrm-acme_visits\n"
                                   "Version: 0.1.0\n", encoding="utf-8")
    (info / "entry_points.txt").write_text("[directcrm.plugins]\nacme_visits = acme_visits\n",
                                           encoding="utf-8")
    tests = _run(["-m", "pytest", "-q", "-p", "no:cacheprovider", "tests"], target,
                 [target, tmp_path / "site", wheel_site])
    assert tests.returncode == 0, tests.stdout[-3000:] + tests.stderr[-2000:]
    assert "6 passed" in tests.stdout
