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
    READ_MODELS = "programme_models.read"
    MANAGE_MODELS = "programme_models.manage"
    READ_LICENCES = "licences.read"
    APPLY_LICENCES = "licences.apply"
    DECIDE_LICENCES = "licences.decide"
    ENROL_COURSES = "courses.enrol"
    DOWNLOAD_MATERIALS = "materials.download"
    READ_PARTNER_OVERVIEW = "partners.overview"
    REPORT_PARTNER_DUTIES = "duties.report"
    # Shared primitives (platform/primitives): partners' own work only.
    READ_PROGRAMMES = "programmes.read"
    MANAGE_PROGRAMMES = "programmes.manage"
    MANAGE_VOLUNTEERS = "volunteers.manage"
    OWN_VOLUNTEERING = "volunteering.own"
    RECORD_BACKGROUND_CHECKS = "screening.manage"
    READ_TRAINING = "training.read"
    MANAGE_TRAINING = "training.manage"
    MANAGE_PARTICIPANTS = "participants.manage"
    READ_SENSITIVE_NOTES = "participants.sensitive_notes"
    MANAGE_MATCHES = "matches.manage"
    # Follow-up, supervision, events and feedback (platform/primitives, issue 6).
    MANAGE_FOLLOW_UP = "followup.manage"
    LOG_FOLLOW_UP = "followup.log"
    MANAGE_SUPERVISION = "supervision.manage"
    READ_SUPERVISION = "supervision.read"
    MANAGE_EVENTS = "events.manage"
    JOIN_EVENTS = "events.join"
    MANAGE_FEEDBACK = "feedback.manage"
    ANSWER_FEEDBACK = "feedback.answer"
    # Data protection (platform/privacy, issue 12): the organisation's admins.
    MANAGE_PRIVACY_REQUESTS = "privacy.requests"
    MANAGE_PRIVACY_SETTINGS = "privacy.settings"
    EXPORT_TENANT = "tenant.export"
    CLOSE_TENANT = "tenant.close"
    # Funder reports (platform/reports): aggregated figures only.
    READ_REPORTS = "reports.read"
    READ_OWNER_REPORTS = "reports.owner"
    # A model owner's announcements to its partners' coordinators (issue 8).
    ANNOUNCE_TO_PARTNERS = "announcements.send"
    # Plans and billing of a self-signed-up organisation (tenants/billing, issue 10).
    READ_BILLING = "billing.read"
    MANAGE_BILLING = "billing.manage"


_STAFF = frozenset({Role.TENANT_ADMIN, Role.COORDINATOR, Role.OWNER_STAFF, Role.OPERATOR})
# A partner's own staff, and its people: the primitives hold volunteers' and
# participants' personal data, which model owners and the operator never see.
_PARTNER_STAFF = frozenset({Role.TENANT_ADMIN, Role.COORDINATOR})
_PARTNER_PEOPLE = frozenset({Role.TENANT_ADMIN, Role.COORDINATOR, Role.VOLUNTEER})

PERMISSIONS: dict[Permission, frozenset[Role]] = {
    Permission.MANAGE_TENANTS: frozenset({Role.OPERATOR}),
    Permission.READ_TENANT: frozenset(Role),
    Permission.EDIT_TENANT: frozenset({Role.OPERATOR, Role.TENANT_ADMIN}),
    Permission.READ_USERS: _STAFF,
    Permission.INVITE_VOLUNTEERS: frozenset({Role.TENANT_ADMIN, Role.COORDINATOR}),
    Permission.MANAGE_USERS: frozenset({Role.TENANT_ADMIN, Role.OPERATOR}),
    Permission.MANAGE_SSO: frozenset({Role.TENANT_ADMIN}),
    Permission.READ_AUDIT: frozenset({Role.TENANT_ADMIN, Role.OPERATOR}),
    Permission.READ_MODELS: _STAFF,
    Permission.MANAGE_MODELS: frozenset({Role.OWNER_STAFF}),
    Permission.READ_LICENCES: _STAFF,
    Permission.APPLY_LICENCES: frozenset({Role.TENANT_ADMIN}),
    Permission.DECIDE_LICENCES: frozenset({Role.OWNER_STAFF}),
    Permission.ENROL_COURSES: frozenset({Role.TENANT_ADMIN, Role.COORDINATOR}),
    Permission.DOWNLOAD_MATERIALS: frozenset(
        {Role.OWNER_STAFF, Role.TENANT_ADMIN, Role.COORDINATOR}
    ),
    Permission.READ_PARTNER_OVERVIEW: frozenset({Role.OWNER_STAFF}),
    Permission.REPORT_PARTNER_DUTIES: frozenset({Role.TENANT_ADMIN, Role.COORDINATOR}),
    Permission.READ_PROGRAMMES: _PARTNER_PEOPLE,
    Permission.MANAGE_PROGRAMMES: _PARTNER_STAFF,
    Permission.MANAGE_VOLUNTEERS: _PARTNER_STAFF,
    Permission.OWN_VOLUNTEERING: frozenset({Role.VOLUNTEER}),
    Permission.RECORD_BACKGROUND_CHECKS: _PARTNER_STAFF,
    Permission.READ_TRAINING: _PARTNER_PEOPLE,
    Permission.MANAGE_TRAINING: _PARTNER_STAFF,
    Permission.MANAGE_PARTICIPANTS: _PARTNER_STAFF,
    Permission.READ_SENSITIVE_NOTES: _PARTNER_STAFF,
    Permission.MANAGE_MATCHES: _PARTNER_STAFF,
    Permission.MANAGE_FOLLOW_UP: _PARTNER_STAFF,
    Permission.LOG_FOLLOW_UP: frozenset({Role.VOLUNTEER}),
    Permission.MANAGE_SUPERVISION: _PARTNER_STAFF,
    Permission.READ_SUPERVISION: _PARTNER_PEOPLE,
    Permission.MANAGE_EVENTS: _PARTNER_STAFF,
    Permission.JOIN_EVENTS: frozenset({Role.VOLUNTEER}),
    Permission.MANAGE_FEEDBACK: _PARTNER_STAFF,
    Permission.ANSWER_FEEDBACK: _PARTNER_PEOPLE,
    Permission.MANAGE_PRIVACY_REQUESTS: frozenset({Role.TENANT_ADMIN}),
    Permission.MANAGE_PRIVACY_SETTINGS: frozenset({Role.TENANT_ADMIN}),
    Permission.EXPORT_TENANT: frozenset({Role.TENANT_ADMIN}),
    Permission.CLOSE_TENANT: frozenset({Role.TENANT_ADMIN}),
    Permission.READ_REPORTS: _PARTNER_STAFF,
    Permission.READ_OWNER_REPORTS: frozenset({Role.OWNER_STAFF}),
    Permission.ANNOUNCE_TO_PARTNERS: frozenset({Role.OWNER_STAFF}),
    Permission.READ_BILLING: frozenset({Role.TENANT_ADMIN, Role.COORDINATOR}),
    Permission.MANAGE_BILLING: frozenset({Role.TENANT_ADMIN}),
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
    Permission.READ_MODELS: "Read programme models and their courses",
    Permission.MANAGE_MODELS: (
        "Publish and edit one's own programme models, their orientation folder and courses;"
        " record course completion"
    ),
    Permission.READ_LICENCES: "Read the licences one holds or has granted, with their history",
    Permission.APPLY_LICENCES: (
        "Apply for a licence, declare resources, edit the directory listing"
    ),
    Permission.DECIDE_LICENCES: (
        "Review, grant, reject, suspend, reinstate, revoke, expire and renew licences of"
        " one's own models; record the signed cooperation agreement"
    ),
    Permission.ENROL_COURSES: "Enrol the organisation's coordinators on model courses",
    Permission.DOWNLOAD_MATERIALS: "Download the orientation folder of a licensed model",
    Permission.READ_PARTNER_OVERVIEW: "See partners' licences and aggregated counts (never people)",
    Permission.REPORT_PARTNER_DUTIES: (
        "Report changes to the model owner and submit or correct the yearly report of a licence"
    ),
    Permission.READ_PROGRAMMES: "See the organisation's programmes",
    Permission.MANAGE_PROGRAMMES: "Start programmes and change their settings",
    Permission.MANAGE_VOLUNTEERS: (
        "Read and edit volunteers; interview notes; approve, pause and end volunteering"
    ),
    Permission.OWN_VOLUNTEERING: (
        "One's own volunteer record and matches: edit, pause, resume, quit, enrol in"
        " training, accept or decline an offered match"
    ),
    Permission.RECORD_BACKGROUND_CHECKS: (
        "Record that a criminal-record extract was shown; keep the list of tasks that need it"
    ),
    Permission.READ_TRAINING: "See curricula and training sessions",
    Permission.MANAGE_TRAINING: "Manage curricula, sessions, enrolment, attendance, completion",
    Permission.MANAGE_PARTICIPANTS: "Take in participants; read and edit them; record consents",
    Permission.READ_SENSITIVE_NOTES: "Read and write sensitive notes on participants",
    Permission.MANAGE_MATCHES: "See suggestions; propose, pause and close matches",
    Permission.MANAGE_FOLLOW_UP: (
        "Read meeting logs and volunteer hours; see matches below the expected cadence;"
        " answer meeting logs; record check-ins"
    ),
    Permission.LOG_FOLLOW_UP: (
        "Log meetings of one's own active matches and one's own volunteer hours"
    ),
    Permission.MANAGE_SUPERVISION: (
        "Manage supervision groups (työnohjaus), members, sessions and attendance"
    ),
    Permission.READ_SUPERVISION: "See supervision groups and sessions (a volunteer: their own)",
    Permission.MANAGE_EVENTS: (
        "Organise outings and group meetings; sign people up; record attendance"
    ),
    Permission.JOIN_EVENTS: "See one's programmes' events; sign oneself up and cancel",
    Permission.MANAGE_FEEDBACK: "Create, open and close feedback forms; read the answers",
    Permission.ANSWER_FEEDBACK: "Answer the organisation's open feedback forms",
    Permission.MANAGE_PRIVACY_REQUESTS: (
        "Log data subjects' requests; answer them: a person's data export, rectification,"
        " erasure or refusal"
    ),
    Permission.MANAGE_PRIVACY_SETTINGS: (
        "Set the controller's details of the privacy notice and the retention periods"
    ),
    Permission.EXPORT_TENANT: "Download all of the organisation's data and files as one archive",
    Permission.CLOSE_TENANT: "Close the organisation; its data is deleted after a grace period",
    Permission.READ_REPORTS: (
        "Read and download the organisation's funder reports (figures per programme and period)"
    ),
    Permission.READ_OWNER_REPORTS: (
        "Read and download a model's report summed over its licensed partners (counts under 5"
        ' shown as "<5"; never people)'
    ),
    Permission.ANNOUNCE_TO_PARTNERS: (
        "Send an announcement to the coordinators of all licensed partners (learns only counts)"
    ),
    Permission.READ_BILLING: (
        "See the organisation's plan, billing state and volunteer places left"
    ),
    Permission.MANAGE_BILLING: (
        "Choose and pay for a plan (Stripe Checkout and portal); edit invoicing details"
    ),
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
