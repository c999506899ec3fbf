"""Screens and REST API of the complaints module (registered by ``crm_register_views``)."""

from __future__ import annotations

from typing import Any


def register(appbuilder: Any) -> None:
    """Register the views and the API."""
