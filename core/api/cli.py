"""The public command-line API for modules (``crm_cli_commands``).

- :func:`runtime` is the installation's runtime; ``runtime().ctx("BRAND", user=...)`` a
  context for a brand. :func:`brand_ctx` (``with brand_ctx("A", user=u, module="kyc") as
  ctx:``) is that context for one command: closed at the end, and refusing a brand that
  has not enabled the module.
- :func:`handles_domain_errors` prints domain and validation errors as translated
  messages naming the field and exits with status 1.
- :data:`FORMAT_OPTION` (``--format csv|json``) and :func:`emit_rows` print rows for
  scripts; its ``labels`` shows code columns by their labels in the CSV table (the codes
  stay in JSON), :func:`labels_of` for a cell holding several codes.
"""

from __future__ import annotations

from core.cli.common import (
    FORMAT_OPTION,
    brand_ctx,
    cli,
    emit_rows,
    handles_domain_errors,
    labels_of,
    runtime,
)

__all__ = ["FORMAT_OPTION", "brand_ctx", "cli", "emit_rows", "handles_domain_errors",
           "labels_of", "runtime"]
