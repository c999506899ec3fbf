"""The command line leaves the current folder alone until a command needs the instance."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path


def _run(args: list[str], cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items()
           if not k.startswith("DIRECTCRM_")}  # the embedded defaults, in ``cwd``
    return subprocess.run([sys.executable, "-m", "core.cli", *args], cwd=cwd, env=env,
                          capture_output=True, text=True, timeout=120, check=False)


def test_help_creates_no_instance_folder(tmp_path: Path) -> None:
    for args in (["--help"], ["brand", "--help"], ["plugins"]):
        result = _run(args, tmp_path)
        assert result.returncode == 0, result.stderr
        assert list(tmp_path.iterdir()) == [], args
    # A command that needs the database and the keys makes the folder, with both in it.
    result = _run(["init", "--admin-password", "Long-enough-passw0rd!"], tmp_path)
    assert result.returncode == 0, result.stderr
    made = {p.name for p in (tmp_path / "instance").iterdir()}
    assert {"directcrm.db", "directcrm-keys.json"} <= made
