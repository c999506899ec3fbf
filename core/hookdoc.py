"""Write the hook reference (``docs/hooks.md``) from ``core/hookspecs.py``.

``python -m core.hookdoc`` regenerates the file; a test fails when it is out of date, so
every spec is documented with its exact signature and docstring.
"""

from __future__ import annotations

import inspect
import re
from pathlib import Path

from core import hookspecs

DOC_PATH = Path(__file__).resolve().parent.parent / "docs" / "hooks.md"
INTRO = """# Hook reference

Generated from `core/hookspecs.py` by `python -m core.hookdoc`; `tests/core/test_hookdoc.py`
fails when this file is out of date. Read the [plugin author guide](plugin-guide.md) first.

Every hook's first argument is `ctx` (`core.context.Ctx`): `ctx.brand`, `ctx.session`,
`ctx.now()`, `ctx.user`, `ctx.locale`, and `ctx.hooks` to call other hooks. A hook runs only
for brands that enabled your module. Implement a hook with `@hookimpl` from
`core.hookspecs`; argument names must match the spec (you may accept fewer).
"""


def spec_functions() -> list[tuple[str, object]]:
    """The hook specs in source order."""
    members = [(n, f) for n, f in vars(hookspecs).items()
               if n.startswith("crm_") and callable(f)]
    return sorted(members, key=lambda item: inspect.getsourcelines(item[1])[1])


def sections() -> dict[str, list[str]]:
    """Section banner → hook names, read from the banners in hookspecs.py."""
    source = inspect.getsource(hookspecs)
    out: dict[str, list[str]] = {}
    current = "Hooks"
    for line in source.splitlines():
        banner = re.match(r"# ([A-Z].*)$", line)
        if banner and not line.startswith("# -"):
            current = banner.group(1).strip()
        spec = re.match(r"def (crm_\w+)\(", line)
        if spec:
            out.setdefault(current, []).append(spec.group(1))
    return out


def signature(func: object) -> str:
    """The spec's signature as written in the source (annotations unevaluated)."""
    src = inspect.getsource(func)  # type: ignore[arg-type]
    head = src[src.index("def "):src.index(":\n", src.index(")"))]
    return re.sub(r"\s+", " ", head.removeprefix("def ")).replace("( ", "(").replace(" )", ")")


def render() -> str:
    """The whole Markdown document."""
    funcs = dict(spec_functions())
    parts = [INTRO]
    for title, names in sections().items():
        parts.append(f"\n## {title}\n")
        for name in names:
            doc = inspect.cleandoc(funcs[name].__doc__ or "")  # type: ignore[union-attr]
            firstresult = funcs[name].directcrm_spec.get("firstresult")  # type: ignore[attr-defined]
            note = "\n\n*First result wins* (`firstresult=True`)." if firstresult else ""
            parts.append(f"\n### `{name}`\n\n```python\n{signature(funcs[name])}\n```\n\n"
                         f"{doc}{note}\n")
    return "".join(parts)


if __name__ == "__main__":
    DOC_PATH.write_text(render(), encoding="utf-8")
    print(f"wrote {DOC_PATH}")
