"""The permission table: which role may do what. The one place it is decided.

`docs/permissions.md` shows this table; a test keeps the two equal.
Object visibility (whose rows you can see at all) is the tenant filter's
job; this table answers what a role may do with what it can see.
"""

from __future__ import annotations

import enum

from tukiverkko.platform.identity.models import Role


class Permission(enum.StrEnum):
    MANAGE_TENANTS = "tenants.manage"
    READ_TENANT = "tenant.read"
    EDIT_TENANT = "tenant.edit"
    READ_USERS = "users.read"
    INVITE_VOLUNTEERS = "users.invite_volunteers"
    MANAGE_USERS = "users.manage"
    MANAGE_SSO = "sso.manage"
    READ_AUDIT = "audit.read"


_STAFF = frozenset({Role.TENANT_ADMIN, Role.COORDINATOR, Role.OWNER_STAFF, Role.OPERATOR})

PERMISSIONS: dict[Permission, frozenset[Role]] = {
    Permission.MANAGE_TENANTS: frozenset({Role.OPERATOR}),
    Permission.READ_TENANT: frozenset(Role),
    Permission.EDIT_TENANT: frozenset({Role.OPERATOR, Role.TENANT_ADMIN}),
    Permission.READ_USERS: _STAFF,
    Permission.INVITE_VOLUNTEERS: frozenset({Role.TENANT_ADMIN, Role.COORDINATOR}),
    Permission.MANAGE_USERS: frozenset({Role.TENANT_ADMIN, Role.OPERATOR}),
    Permission.MANAGE_SSO: frozenset({Role.TENANT_ADMIN}),
    Permission.READ_AUDIT: frozenset({Role.TENANT_ADMIN, Role.OPERATOR}),
}

DESCRIPTIONS: dict[Permission, str] = {
    Permission.MANAGE_TENANTS: "Create organisations; activate, suspend and close them",
    Permission.READ_TENANT: "Read one's own organisation",
    Permission.EDIT_TENANT: "Edit the organisation's name, municipality and contact",
    Permission.READ_USERS: "List and read the accounts of one's organisation",
    Permission.INVITE_VOLUNTEERS: "Invite volunteers by email",
    Permission.MANAGE_USERS: "Invite staff, change roles, disable and enable accounts",
    Permission.MANAGE_SSO: "Register the organisation's own OpenID Connect provider",
    Permission.READ_AUDIT: "Read the organisation's audit log",
}

# Roles each role may hand out by invitation or role change.
GRANTABLE_ROLES: dict[Role, frozenset[Role]] = {
    Role.OPERATOR: frozenset({Role.OPERATOR, Role.TENANT_ADMIN, Role.OWNER_STAFF}),
    Role.TENANT_ADMIN: frozenset(
        {Role.TENANT_ADMIN, Role.COORDINATOR, Role.VOLUNTEER, Role.OWNER_STAFF}
    ),
    Role.COORDINATOR: frozenset({Role.VOLUNTEER}),
    Role.OWNER_STAFF: frozenset(),
    Role.VOLUNTEER: frozenset(),
}


def allows(role: Role, permission: Permission) -> bool:
    return role in PERMISSIONS[permission]


def render_markdown_table() -> str:
    """The permission table as Markdown, as it stands in docs/permissions.md."""
    roles = list(Role)
    lines = [
        "| permission | what it allows | " + " | ".join(r.value for r in roles) + " |",
        "|---|---|" + "---|" * len(roles),
    ]
    for perm in Permission:
        marks = " | ".join("✓" if allows(r, perm) else "" for r in roles)
        lines.append(f"| `{perm.value}` | {DESCRIPTIONS[perm]} | {marks} |")
    return "\n".join(lines) + "\n"
