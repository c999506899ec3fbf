"""The plugin guide's tutorial runs as written: every shell command and every file it
shows, in order, from ``directcrm plugin new`` to the wheel and the module's removal.

The commands run in a throwaway virtual environment layered on this one (directcrm and
its dependencies come from here, the tutorial's ``pip install -e`` goes into the
throwaway one), against an empty database of the backend under test. A line ending in
``# prints: TEXT`` must print TEXT. Nothing is downloaded: pip runs without an index and
without build isolation.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import sysconfig
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
GUIDE = ROOT / "docs" / "plugin-guide.md"
FENCE = re.compile(r"^```(\w*)\n(.*?)^```\n", re.S | re.M)
PRINTS = re.compile(r"^(?P<cmd>.*?)\s+# prints: (?P<text>.+)$")
FILE = re.compile(r"^# (?P<how>file|append to): (?P<path>\S+)\n")


def tutorial_script(markdown: str) -> str:
    """The tutorial's blocks as one bash script: shell blocks as they are (a ``# prints:``
    line checks its output), file blocks written or appended with a quoted here-document."""
    text = markdown.split("<!-- tutorial:start -->", 1)[1].split("<!-- tutorial:end -->")[0]
    lines: list[str] = []
    for lang, body in FENCE.findall(text):
        written = FILE.match(body)
        if written:
            content = body[written.end():]
            assert "__TUTORIAL__" not in content
            op = ">" if written["how"] == "file" else ">>"
            lines.append(f"mkdir -p \"$(dirname '{written['path']}')\"")
            lines.append(f"cat {op} '{written['path']}' <<'__TUTORIAL__'\n{content}__TUTORIAL__")
        elif lang == "bash":
            for line in body.splitlines():
                check = PRINTS.match(line)
                if check:
                    cmd, expected = check["cmd"], check["text"].strip()
                    lines.append(f"echo '$ {cmd}'")
                    lines.append(f"out=$({{ {cmd}; }} 2>&1); printf '%s\\n' \"$out\"")
                    lines.append(f"grep -qF -- {_quote(expected)} <<<\"$out\" || "
                                 f"{{ echo 'MISSING in output: '{_quote(expected)}; exit 1; }}")
                else:
                    lines.append(line)
        else:
            raise AssertionError(f"a {lang or 'plain'} block inside the tutorial is neither a "
                                 "shell block nor a file block:\n{body}")
    return "\n".join(lines) + "\n"


def _quote(text: str) -> str:
    return "'" + text.replace("'", "'\"'\"'") + "'"


def _sandbox(folder: Path) -> Path:
    """A virtual environment that sees this one's packages, with its own scripts."""
    venv.create(folder, with_pip=False)
    inner = Path(sysconfig.get_path("purelib", vars={"base": str(folder),
                                                     "platbase": str(folder)}))
    outer = sysconfig.get_path("purelib")
    (inner / "zz_directcrm_outer.pth").write_text(
        f"import site; site.addsitedir({outer!r})\n", encoding="utf-8")
    bin_dir = folder / "bin"
    for name in ("directcrm", "pip", "pybabel"):
        body = (Path(sys.prefix) / "bin" / name).read_text(encoding="utf-8").split("\n", 1)[1]
        script = bin_dir / name
        script.write_text(f"#!{bin_dir / 'python'}\n{body}", encoding="utf-8")
        script.chmod(0o755)
    return bin_dir


def test_the_tutorial_runs_as_written(tmp_path: Path, scratch_database_url: str) -> None:
    script = tutorial_script(GUIDE.read_text(encoding="utf-8"))
    work = tmp_path / "work"
    work.mkdir()
    bin_dir = _sandbox(tmp_path / "venv")
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("DIRECTCRM_", "PYTHON", "VIRTUAL_ENV", "PIP_"))}
    env.update({
        "PATH": f"{bin_dir}{os.pathsep}{env.get('PATH', '')}",
        "DIRECTCRM_DATABASE_URL": scratch_database_url,
        # the generated tests run on the backend under test too
        "DIRECTCRM_TEST_DB": os.environ.get("DIRECTCRM_TEST_DB", "sqlite"),
        "PIP_NO_INDEX": "1", "PIP_NO_BUILD_ISOLATION": "0",
        "PIP_DISABLE_PIP_VERSION_CHECK": "1",
    })
    if "DIRECTCRM_TEST_PG_URL" in os.environ:
        env["DIRECTCRM_TEST_PG_URL"] = os.environ["DIRECTCRM_TEST_PG_URL"]
    (tmp_path / "tutorial.sh").write_text(script, encoding="utf-8")
    run = subprocess.run(["bash", "-euo", "pipefail", str(tmp_path / "tutorial.sh")],
                         cwd=work, env=env, capture_output=True, text=True, timeout=900)
    assert run.returncode == 0, (run.stdout + run.stderr)[-6000:]
    # What the steps left behind, checked apart from their printed output:
    assert (work / "acme-visits/acme_visits/migrations/versions/acme_visits_0002_visits.py"
            ).is_file()
    assert (work / "dist/directcrm_acme_visits-0.1.0-py3-none-any.whl").is_file()
