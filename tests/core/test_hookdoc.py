"""docs/hooks.md documents every hook spec with its exact signature (datasette's practice)."""

from core import hookdoc


def test_every_hookspec_is_documented_with_its_signature():
    doc = hookdoc.DOC_PATH.read_text(encoding="utf-8")
    for name, func in hookdoc.spec_functions():
        assert f"### `{name}`" in doc, f"{name} missing from docs/hooks.md"
        assert hookdoc.signature(func) in doc, f"signature of {name} out of date"


def test_hook_reference_is_regenerated():
    assert hookdoc.DOC_PATH.read_text(encoding="utf-8") == hookdoc.render(), \
        "docs/hooks.md is stale: run python -m core.hookdoc"


def test_every_hook_has_ctx_first_and_a_return_description():
    import inspect

    for name, func in hookdoc.spec_functions():
        params = list(inspect.signature(func).parameters)
        assert params[0] == "ctx", name
        assert ":return:" in (func.__doc__ or ""), name
        for p in params:
            assert f":param {p}:" in func.__doc__, f"{name} does not document {p}"


def test_combining_is_declared_and_payload_fields_are_listed():
    import dataclasses

    from core import events, hookspecs

    doc = hookdoc.DOC_PATH.read_text(encoding="utf-8")
    for name, func in hookdoc.spec_functions():
        assert name in hookspecs.COMBINE or func.directcrm_spec.get("firstresult"), name
    # Module-defined specs are documented too, and no raw reST role is left.
    assert "### `crm_loyalty_tier_changed`" in doc
    prose = doc.replace("```", "")
    assert ":class:" not in prose and ":param" not in prose and "``" not in prose
    for cls in (events.OrderPaid, events.OrderRefunded, events.PaymentDraft,
                events.ContactRequest, events.RefundedLine):
        section = doc.split(f"### `{cls.__name__}`", 1)[1].split("\n### ", 1)[0]
        for field in dataclasses.fields(cls):
            assert f"| `{field.name}` |" in section, (cls.__name__, field.name)
