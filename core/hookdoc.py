"""Write the hook reference (``docs/hooks.md``) from every hook spec: the core's
(``core/hookspecs.py``) and those modules define (``plugins/<name>/hookspecs.py``).

``python -m core.hookdoc`` regenerates the file; a test fails when it is out of date. Each
hook gets its exact signature, how the answers of several modules combine (declared in
:data:`core.hookspecs.COMBINE`), its parameters and return value as clean Markdown, and
every payload type it takes or returns is listed with its fields.
"""

from __future__ import annotations

import dataclasses
import importlib
import inspect
import re
import typing
from pathlib import Path
from types import ModuleType

from core import events, hookspecs

DOC_PATH = Path(__file__).resolve().parent.parent / "docs" / "hooks.md"
INTRO = """# Hook reference

Generated from `core/hookspecs.py` and the modules' own `hookspecs.py` by
`python -m core.hookdoc`; `tests/core/test_hookdoc.py` fails when this file is out of date.
Read the [plugin author guide](plugin-guide.md) first.

Every hook's first argument is `ctx` (`core.api.Ctx`): `ctx.brand`, `ctx.session`,
`ctx.now()`, `ctx.user`, `ctx.locale`, and `ctx.hooks` to call other hooks. A hook runs only
for brands that enabled your module. Implement a hook with `@hookimpl` from `core.api`;
argument names must match the spec (you may accept fewer). Payloads are frozen
dataclasses from `core.api` (fields listed under [Payload types](#payload-types)), never
dicts; an event hook receives a batch (a live write is a batch of one).
"""


def spec_modules() -> list[tuple[str, ModuleType]]:
    """``(title, module)`` of every hookspec module: the core's, then each installed
    module's (in the registry's dependency order)."""
    from core.plugins import default_registry

    out: list[tuple[str, ModuleType]] = [("core", hookspecs)]
    for name in default_registry().ordered_names():
        package = default_registry().get(name).manifest.package or f"plugins.{name}"
        try:
            out.append((name, importlib.import_module(f"{package}.hookspecs")))
        except ModuleNotFoundError:
            continue
    return out


def _specs_of(module: ModuleType) -> list[tuple[str, object]]:
    members = [(n, f) for n, f in vars(module).items()
               if n.startswith("crm_") and callable(f) and hasattr(f, "directcrm_spec")]
    return sorted(members, key=lambda item: inspect.getsourcelines(item[1])[1])


def spec_functions() -> list[tuple[str, object]]:
    """Every hook spec, core first, in source order."""
    return [spec for _title, module in spec_modules() for spec in _specs_of(module)]


def sections(module: ModuleType = hookspecs) -> dict[str, list[str]]:
    """Section banner → hook names, read from the banners of a hookspec module."""
    source = inspect.getsource(module)
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


def combining(name: str, func: object) -> str:
    """How the answers of several modules combine, as declared on the spec."""
    if func.directcrm_spec.get("firstresult"):  # type: ignore[attr-defined]
        return "first answer wins (`firstresult=True`)"
    return hookspecs.COMBINE.get(name, "every enabled module is called")


def markdown(doc: str) -> str:
    """A reST-flavoured docstring as Markdown: roles and double backticks become code,
    ``:param x:`` lines a list, ``:return:`` a line of its own."""
    text = inspect.cleandoc(doc)
    text = re.sub(r":(?:class|func|data|meth|mod|attr):`~?([\w.]+)`",
                  lambda m: f"`{m.group(1).rsplit('.', 1)[-1]}`", text)
    text = text.replace("``", "`")
    lines, out = text.splitlines(), []
    for line in lines:
        param = re.match(r":param (\w+):\s*(.*)", line)
        ret = re.match(r":return:\s*(.*)", line)
        if param:
            out.append(f"- `{param.group(1)}`: {param.group(2)}")
        elif ret:
            out.append(f"\n**Returns:** {ret.group(1)}")
        elif out and line.startswith("    ") and (out[-1].startswith("- ")
                                                 or out[-1].startswith("\n**Returns")):
            out[-1] += " " + line.strip()
        else:
            out.append(line)
    return "\n".join(out).replace("\n\n\n", "\n\n")


def payload_types(funcs: list[tuple[str, object]]) -> list[type]:
    """The dataclasses named in the specs' signatures, in first-use order."""
    seen: dict[str, type] = {}
    for _name, func in funcs:
        module = inspect.getmodule(func)
        for word in re.findall(r"\b([A-Z]\w+)\b", signature(func)):
            cls = getattr(events, word, None) or _type_checking_name(module, word)
            if dataclasses.is_dataclass(cls) and word not in seen and word != "Ctx":
                seen[word] = cls  # type: ignore[assignment]
    for cls in list(seen.values()):  # nested payloads (RefundedLine in OrderRefunded)
        for field in dataclasses.fields(cls):
            for word in re.findall(r"\b([A-Z]\w+)\b", str(field.type)):
                nested = getattr(events, word, None)
                if dataclasses.is_dataclass(nested) and word not in seen:
                    seen[word] = nested  # type: ignore[assignment]
    return list(seen.values())


def _type_checking_name(module: ModuleType | None, name: str) -> object:
    """A name a hookspec module imports under ``TYPE_CHECKING`` (e.g. ``TierChanged``)."""
    if module is None:
        return None
    source = inspect.getsource(module)
    found = re.search(rf"from ([\w.]+) import [^\n]*\b{name}\b", source)
    if not found:
        return None
    return getattr(importlib.import_module(found.group(1)), name, None)


def _field_rows(cls: type) -> list[str]:
    hints = typing.get_type_hints(cls, vars(importlib.import_module(cls.__module__)))
    rows = []
    for field in dataclasses.fields(cls):  # type: ignore[arg-type]
        shown = re.sub(r"\b(?:datetime|decimal|typing|collections\.abc)\.", "",
                       str(hints.get(field.name, field.type)))
        shown = re.sub(r"\b(?:core|plugins)\.[\w.]*\.", "",
                       shown.replace("<class '", "").replace("'>", "")).replace("|", "\\|")
        default = ""
        if field.default is not dataclasses.MISSING:
            default = f" = `{field.default!r}`"
        elif field.default_factory is not dataclasses.MISSING:  # type: ignore[misc]
            default = " (default empty)"
        rows.append(f"| `{field.name}` | `{shown}`{default} |")
    return rows


def render() -> str:
    """The whole Markdown document."""
    parts = [INTRO]
    all_funcs = []
    for title, module in spec_modules():
        funcs = dict(_specs_of(module))
        all_funcs += list(funcs.items())
        groups = sections(module) if module is hookspecs else {
            f"Offered by the {title} module": list(funcs)}
        for heading, names in groups.items():
            parts.append(f"\n## {heading}\n")
            for name in names:
                func = funcs[name]
                parts.append(f"\n### `{name}`\n\n```python\n{signature(func)}\n```\n\n"
                             f"*Combining:* {combining(name, func)}.\n\n"
                             f"{markdown(func.__doc__ or '')}\n")  # type: ignore[attr-defined]
    parts.append("\n## Payload types\n\nFrozen dataclasses; import them from `core.api` "
                 "(a module's own from the module).\n")
    for cls in payload_types(all_funcs):
        doc = markdown(cls.__doc__ or "").strip()
        parts.append(f"\n### `{cls.__name__}`\n\n{doc}\n\n| field | type |\n|---|---|\n"
                     + "\n".join(_field_rows(cls)) + "\n")
    return "".join(parts)


if __name__ == "__main__":
    DOC_PATH.write_text(render(), encoding="utf-8")
    print(f"wrote {DOC_PATH}")
