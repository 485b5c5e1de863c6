"""A model owner's announcement to the coordinators of all its licensed partners.

`POST /api/v1/announcements` (owner staff, in the owner's tenant): one
`announce` outbox message per partner organisation, each in that partner's
tenant, so the worker fans it out there with the usual batching (inbox
entries in one transaction, emails 200 per SMTP connection). The owner
learns only how many coordinators it reaches, never who: the recipients are
counted across tenants (a count, nothing else) and resolved again by the
worker inside each partner's own tenant.

"Licensed partners" are those holding a licence of one of the owner's models
that is granted, active or suspended: they run (or are about to run) the
model and are part of its national network.
"""

from __future__ import annotations

import uuid
from typing import Any

import marshmallow as ma
from flask.views import MethodView
from flask_smorest import Blueprint
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from tukiverkko.platform import audit, context
from tukiverkko.platform.auth import authorize
from tukiverkko.platform.db import get_database
from tukiverkko.platform.errors import ValidationFailed
from tukiverkko.platform.identity.models import Role, User, UserStatus
from tukiverkko.platform.notifications import announce
from tukiverkko.platform.permissions import Permission
from tukiverkko.tenants.licensing_models import Licence, LicenceStatus, ProgrammeModel
from tukiverkko.tenants.models import Tenant, TenantStatus

# Licences whose holders hear the owner's announcements.
IN_NETWORK = (LicenceStatus.GRANTED, LicenceStatus.ACTIVE, LicenceStatus.SUSPENDED)


def licensed_partners(db: Session, owner_tenant_id: uuid.UUID) -> list[uuid.UUID]:
    """Active partner organisations holding a licence of one of the owner's models."""
    return list(
        db.scalars(
            select(Licence.partner_tenant_id)
            .join(ProgrammeModel, ProgrammeModel.id == Licence.model_id)
            .join(Tenant, Tenant.id == Licence.partner_tenant_id)
            .where(
                ProgrammeModel.owner_tenant_id == owner_tenant_id,
                Licence.status.in_(IN_NETWORK),
                Tenant.status == TenantStatus.ACTIVE,
            )
            .distinct()
            .order_by(Licence.partner_tenant_id)
        )
    )


def announce_to_partners(
    db: Session, *, owner_tenant_id: uuid.UUID, author_id: uuid.UUID, subject: str, body: str
) -> dict[str, int]:
    """Queue the announcement for every licensed partner's coordinators.

    Call inside `context.cross_tenant`: it writes one outbox row into each
    partner's tenant and an audit event into the owner's. Returns the numbers
    of organisations and of coordinators reached (counts only).
    """
    subject, body = subject.strip(), body.strip()
    if not subject or not body:
        raise ValidationFailed(
            "An announcement needs a subject and a body.",
            code="announcement_empty",
            errors={"json": {"subject" if not subject else "body": ["Must not be blank."]}},
        )
    owner = db.get(Tenant, owner_tenant_id)
    assert owner is not None
    partners = licensed_partners(db, owner_tenant_id)
    recipients = 0
    if partners:
        recipients = int(
            db.scalar(
                select(func.count(User.id)).where(
                    User.tenant_id.in_(partners),
                    User.role == Role.COORDINATOR,
                    User.status == UserStatus.ACTIVE,
                )
            )
            or 0
        )
    for partner_id in partners:
        announce(
            db,
            author_id=author_id,
            organisation=owner.name,
            subject=subject,
            body=body,
            roles=(Role.COORDINATOR,),
            tenant_id=partner_id,
        )
    audit.record(
        db,
        "announcement_sent",
        actor_id=author_id,
        tenant_id=owner_tenant_id,
        target_type="announcement",
        organisations=len(partners),
        recipients=recipients,
    )
    return {"organisations": len(partners), "recipients": recipients}


# --- API ---------------------------------------------------------------------

blp = Blueprint(
    "announcements",
    __name__,
    url_prefix="/announcements",
    description="A model owner's announcements to its partners' coordinators",
)


class AnnouncementCreate(ma.Schema):
    subject = ma.fields.String(required=True, validate=ma.validate.Length(min=1, max=200))
    body = ma.fields.String(required=True, validate=ma.validate.Length(min=1, max=20_000))


class AnnouncementReceipt(ma.Schema):
    organisations = ma.fields.Integer(required=True)
    recipients = ma.fields.Integer(required=True)


@blp.route("")
class Announcements(MethodView):
    @blp.arguments(AnnouncementCreate)
    @blp.response(202, AnnouncementReceipt)
    def post(self, args: dict[str, Any]) -> dict[str, int]:
        """Announce to the coordinators of every licensed partner; answers counts only."""
        principal = authorize(Permission.ANNOUNCE_TO_PARTNERS)
        owner_tenant_id = principal.tenant_id
        assert owner_tenant_id is not None
        with (
            context.cross_tenant("owner announcement to partners"),
            get_database().unit_of_work() as db,
        ):
            return announce_to_partners(
                db,
                owner_tenant_id=owner_tenant_id,
                author_id=principal.user_id,
                subject=args["subject"],
                body=args["body"],
            )
