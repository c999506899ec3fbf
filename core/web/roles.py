"""Roles as data: what each staff role may read and write.

Every admin view and REST API names its resource (``class_permission_name``) from
:data:`RESOURCES` and uses two permissions, ``can_read`` and ``can_write``. The roles are
Flask-AppBuilder *builtin roles* (``FAB_ROLES``): regular expressions over resource and
permission names, kept here in one table so the rules are easy to review.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from core.plugins import Manifest

SUPER_ADMIN = "Super Admin"
BRAND_ADMIN = "Brand Admin"
MANAGER = "Manager"
REP = "Rep"
CUSTOMER_SERVICE = "Customer Service"
COMPLIANCE_OFFICER = "Compliance Officer"

ROLES = (SUPER_ADMIN, BRAND_ADMIN, MANAGER, REP, CUSTOMER_SERVICE, COMPLIANCE_OFFICER)

# Role keys accepted by the CLI (``--role manager``) → role names.
ROLE_KEYS = {
    "super_admin": SUPER_ADMIN,
    "brand_admin": BRAND_ADMIN,
    "manager": MANAGER,
    "rep": REP,
    "customer_service": CUSTOMER_SERVICE,
    "compliance_officer": COMPLIANCE_OFFICER,
}

RESOURCES = ("Brands", "Reps", "Customers", "Products", "Orders", "Returns", "Interactions",
             "Tasks", "Dashboard", "Users")

# The audit log screen (read and CSV export): brand admins and compliance officers, own
# brand only; the super admin (every resource) sees every brand's.
AUDIT = "Audit"
# The Settings screen: brand admins change, managers and compliance officers read.
SETTINGS = "Settings"

READ = "can_read"
WRITE = "can_write"

_ANY_CRM = "^(" + "|".join(RESOURCES) + ")$"
_BRAND_WIDE = "^(" + "|".join(r for r in RESOURCES if r not in ("Brands", "Users")) + ")$"


def _rw(*resources: str) -> list[list[str]]:
    return [["^(" + "|".join(resources) + ")$", f"^({READ}|{WRITE})$"]]


def _ro(*resources: str) -> list[list[str]]:
    return [["^(" + "|".join(resources) + ")$", f"^{READ}$"]]


# Every role may read the OpenAPI description of the REST API and change its password,
# and follow the background jobs it asked for (``Jobs``: the brand's, a rep's own).
JOBS = "Jobs"
# CSV imports in the web admin: brand admins and managers.
IMPORTS = "Imports"
# The segmentation page (brand-wide counts); writing = queueing the full recompute.
SEGMENTS = "Segments"
_OPENAPI = [["^OpenApi$", "^can_get$"],
            ["^ResetMyPasswordView$", "^can_this_form_(get|post)$"],
            [f"^{JOBS}$", f"^{READ}$"]]

# Modules name their views' resource ``mod_<module>`` (e.g. ``mod_loyalty``); the menu
# shows them only to brands that enabled the module.
MODULE_PREFIX = "mod_"
_MODULE_ALL = [[f"^{MODULE_PREFIX}", ".*"]]
_MODULE_READ = [[f"^{MODULE_PREFIX}", "^(can_read|can_list|can_show|can_get|menu_access)$"]]

FAB_ROLES: dict[str, list[list[str]]] = {
    # Everything, in every brand (also FAB's user and role screens).
    SUPER_ADMIN: [[".*", ".*"]],
    # The whole brand: every CRM screen, reading and writing, and the brand's settings.
    BRAND_ADMIN: [[_ANY_CRM, f"^({READ}|{WRITE})$"],
                  *_rw("Compliance", SETTINGS, IMPORTS, SEGMENTS),
                  *_ro(AUDIT),
                  *_OPENAPI, *_MODULE_ALL],
    MANAGER: [[_BRAND_WIDE, f"^({READ}|{WRITE})$"], *_rw(IMPORTS, SEGMENTS),
              *_ro("Brands", "Users", SETTINGS), *_OPENAPI,
              *_MODULE_ALL],
    # A rep: their own customers, orders, interactions and tasks (scoping does the rest).
    REP: [*_rw("Customers", "Orders", "Interactions", "Tasks"),
          *_ro("Products", "Reps", "Dashboard", "Returns"), *_OPENAPI, *_MODULE_READ],
    CUSTOMER_SERVICE: [*_rw("Customers", "Interactions", "Tasks", "Returns"),
                       *_ro("Orders", "Products", "Reps", "Dashboard"), *_OPENAPI,
                       *_MODULE_READ],
    # "Compliance" is the compliance module's page (shown only where the brand enabled it).
    COMPLIANCE_OFFICER: [[_ANY_CRM, f"^{READ}$"], *_rw("Compliance"),
                         *_ro(AUDIT, SETTINGS, SEGMENTS),
                         *_OPENAPI,
                         *_MODULE_READ],
}


def role_name(key_or_name: str) -> str:
    """``rep`` or ``Rep`` → ``Rep``; raises ``KeyError`` for an unknown role."""
    if key_or_name in ROLES:
        return key_or_name
    return ROLE_KEYS[key_or_name.strip().lower().replace(" ", "_").replace("-", "_")]


def fab_roles(modules: Iterable[Manifest]) -> dict[str, list[list[str]]]:
    """:data:`FAB_ROLES` plus what each module's manifest grants (``grants``): a role given
    ``write`` on a module may use its forms and write endpoints (resource ``mod_<name>``)."""
    out = {role: list(perms) for role, perms in FAB_ROLES.items()}
    for manifest in modules:
        for role_key, level in manifest.grants:
            actions = f"^({READ}|{WRITE})$" if level == "write" else f"^{READ}$"
            out[ROLE_KEYS[role_key]].append([f"^{MODULE_PREFIX}{manifest.name}$", actions])
    return out
