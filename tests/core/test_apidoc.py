"""docs/api-reference.md documents every public name of the plugin API."""

from core import apidoc


def test_the_reference_is_regenerated():
    assert apidoc.DOC_PATH.read_text(encoding="utf-8") == apidoc.render(), \
        "docs/api-reference.md is stale: run python -m core.apidoc"


def test_every_public_name_is_there_with_its_import_path():
    doc = apidoc.DOC_PATH.read_text(encoding="utf-8")
    names = apidoc.public_names()
    assert len(names) > 100
    for module, name, obj in names:
        assert f"`from {module} import {name}`" in doc, name
        if apidoc.kind(obj) in ("function", "class", "dataclass"):
            assert apidoc.signature(name, obj).split("(")[0].endswith(name)


def test_public_functions_and_classes_are_documented():
    import inspect

    undocumented = [name for _m, name, obj in apidoc.public_names()
                    if apidoc.kind(obj) != "constant" and not inspect.getdoc(obj)]
    assert undocumented == []
