"""Retention: how long a tenant keeps each kind of record after the relationship ends.

Each tenant sets its periods (`privacy_settings`; defaults below, documented
in docs/privacy.md). The daily task erases what has expired with the same
code as an erasure request (rows stay anonymous, figures stay as they were),
deletes old sign-in events and sessions, and removes any background-check
record of a volunteer whose volunteering has ended (the record also goes at
once when the volunteering ends: see `models._drop_checks_of_ended`).
Running it twice changes nothing the second time.
"""

from __future__ import annotations

import logging
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from tukiverkko.platform import audit
from tukiverkko.platform.db import utcnow
from tukiverkko.platform.errors import ValidationFailed
from tukiverkko.platform.privacy import rights
from tukiverkko.platform.privacy.models import (
    ErasedSubject,
    ErasureReason,
    PrivacySettings,
    SubjectType,
)
from tukiverkko.platform.privacy.subjects import Subject

log = logging.getLogger(__name__)

# Defaults (days after the relationship ends), as docs/privacy.md states them.
DEFAULT_ENDED_VOLUNTEERS_DAYS = 730
DEFAULT_CLOSED_PARTICIPANTS_DAYS = 730
DEFAULT_SIGN_IN_EVENTS_DAYS = 365
# Bounds a tenant may choose within: at least a month (a late request can still
# be answered), at most ten years (bookkeeping law's longest period).
MIN_DAYS, MAX_DAYS = 30, 3650

SIGN_IN_ACTIONS = ("sign_in", "sign_in_failed", "sign_in_throttled", "sign_out", "signed_out")

SETTING_FIELDS = (
    "controller_name",
    "controller_contact",
    "dpo_contact",
    "retention_ended_volunteers_days",
    "retention_closed_participants_days",
    "retention_sign_in_events_days",
)


def settings_of(session: Session, tenant_id: uuid.UUID) -> PrivacySettings:
    """The tenant's privacy settings; the defaults (unsaved) if it has set none."""
    found = session.scalar(select(PrivacySettings).where(PrivacySettings.tenant_id == tenant_id))
    if found is not None:
        return found
    return PrivacySettings(
        tenant_id=tenant_id,
        controller_name="",
        controller_contact="",
        dpo_contact="",
        retention_ended_volunteers_days=DEFAULT_ENDED_VOLUNTEERS_DAYS,
        retention_closed_participants_days=DEFAULT_CLOSED_PARTICIPANTS_DAYS,
        retention_sign_in_events_days=DEFAULT_SIGN_IN_EVENTS_DAYS,
    )


def update_settings(
    session: Session, tenant_id: uuid.UUID, changes: dict[str, Any], *, actor_id: uuid.UUID
) -> PrivacySettings:
    """Set the controller's details and retention periods (days, within the bounds)."""
    errors = {
        k: [f"Between {MIN_DAYS} and {MAX_DAYS} days."]
        for k, v in changes.items()
        if k.startswith("retention_") and not (MIN_DAYS <= int(v) <= MAX_DAYS)
    }
    if errors:
        raise ValidationFailed(
            "A retention period is out of bounds.",
            code="retention_out_of_bounds",
            errors={"json": errors},
        )
    current = settings_of(session, tenant_id)
    if current not in session:
        session.add(current)
    for key, value in changes.items():
        if key not in SETTING_FIELDS:
            raise KeyError(key)  # schemas pass only these: a programming error
        setattr(current, key, value.strip() if isinstance(value, str) else value)
    current.updated_at = utcnow()
    session.flush()
    audit.record(
        session,
        "privacy_settings_changed",
        actor_id=actor_id,
        target_type="privacy_settings",
        target_id=current.id,
        fields=sorted(changes),
    )
    return current


@dataclass
class RetentionRun:
    erased: int = 0
    checks_deleted: int = 0
    sessions_deleted: int = 0
    sign_in_events_deleted: int = 0


def expired_subjects(
    session: Session, tenant_id: uuid.UUID, settings: PrivacySettings, now: datetime
) -> list[Subject]:
    """Ended volunteers and closed participants past their period, not yet erased."""
    from tukiverkko.platform.primitives.models import (
        Participant,
        ParticipantStatus,
        Volunteer,
        VolunteerStatus,
    )

    erased = select(ErasedSubject.subject_id)
    volunteers = session.scalars(
        select(Volunteer.id).where(
            Volunteer.tenant_id == tenant_id,
            Volunteer.status == VolunteerStatus.ENDED,
            Volunteer.status_changed_at
            < now - timedelta(days=settings.retention_ended_volunteers_days),
            Volunteer.id.not_in(erased),
        )
    ).all()
    participants = session.scalars(
        select(Participant.id).where(
            Participant.tenant_id == tenant_id,
            Participant.status == ParticipantStatus.ENDED,
            Participant.status_changed_at
            < now - timedelta(days=settings.retention_closed_participants_days),
            Participant.id.not_in(erased),
        )
    ).all()
    return [Subject(SubjectType.VOLUNTEER, v) for v in volunteers] + [
        Subject(SubjectType.PARTICIPANT, p) for p in participants
    ]


def apply_retention(
    session: Session,
    storage: Any,
    *,
    tenant_id: uuid.UUID,
    now: datetime | None = None,
    audit_redactor: rights.AuditRedactor | None = None,
) -> RetentionRun:
    """Erase and delete what has expired in one tenant (the tenant must be bound)."""
    from tukiverkko.platform.identity.models import AuthSession
    from tukiverkko.platform.primitives.models import (
        BackgroundCheck,
        Volunteer,
        VolunteerStatus,
    )

    now = now or utcnow()
    settings = settings_of(session, tenant_id)
    run = RetentionRun()
    expired = expired_subjects(session, tenant_id, settings, now)
    if expired:
        result = rights.erase(
            session,
            storage,
            tenant_id=tenant_id,
            people=expired,
            reason=ErasureReason.RETENTION,
            actor_id=None,
            audit_redactor=audit_redactor,
        )
        run.erased = result.subjects
    # A background check record goes when the volunteering ends; catch any left.
    ended = select(Volunteer.id).where(Volunteer.status == VolunteerStatus.ENDED)
    run.checks_deleted = int(
        session.execute(
            delete(BackgroundCheck)
            .where(BackgroundCheck.volunteer_id.in_(ended))
            .execution_options(synchronize_session=False)
        ).rowcount
    )
    cutoff = now - timedelta(days=settings.retention_sign_in_events_days)
    run.sessions_deleted = int(
        session.execute(
            delete(AuthSession)
            .where(AuthSession.expires_at < cutoff)
            .execution_options(synchronize_session=False)
        ).rowcount
    )
    return run


def purge_sign_in_events(conn: Any, tenant_id: uuid.UUID, before: datetime) -> int:
    """Delete the tenant's sign-in events older than `before` (needs the owner's rights)."""
    from tukiverkko.platform.audit import AuditEvent

    table = AuditEvent.__table__
    return int(
        conn.execute(
            delete(table).where(
                table.c.tenant_id == tenant_id,
                table.c.action.in_(SIGN_IN_ACTIONS),
                table.c.at < before,
            )
        ).rowcount
    )


def run_retention(now: datetime | None = None) -> dict[str, int]:
    """Daily task: apply every tenant's retention, one unit of work per tenant."""
    from flask import current_app

    from tukiverkko.platform import context
    from tukiverkko.platform.db import get_database
    from tukiverkko.platform.storage import current_storage
    from tukiverkko.tenants.models import Tenant, TenantStatus

    now = now or utcnow()
    app_settings = current_app.config["TUKIVERKKO_SETTINGS"]
    separate_owner = app_settings.database_migration_url != app_settings.database_url
    redactor = (
        rights.owner_audit_redactor(app_settings.database_migration_url) if separate_owner else None
    )
    db = get_database()
    with context.cross_tenant("retention: list tenants"), db.unit_of_work() as s:
        tenant_ids = s.scalars(select(Tenant.id).where(Tenant.status != TenantStatus.CLOSED)).all()
    totals = {"erased": 0, "checks_deleted": 0, "sessions_deleted": 0, "sign_in_events": 0}
    storage = current_storage()
    for tenant_id in tenant_ids:
        with context.bind(tenant_id=tenant_id), db.unit_of_work() as s:
            run = apply_retention(s, storage, tenant_id=tenant_id, now=now, audit_redactor=redactor)
            cutoff = now - timedelta(days=settings_of(s, tenant_id).retention_sign_in_events_days)
            if not separate_owner:
                run.sign_in_events_deleted = purge_sign_in_events(s, tenant_id, cutoff)
        if separate_owner:
            with rights.owner_connection(app_settings.database_migration_url) as conn:
                run.sign_in_events_deleted = purge_sign_in_events(conn, tenant_id, cutoff)
        totals["erased"] += run.erased
        totals["checks_deleted"] += run.checks_deleted
        totals["sessions_deleted"] += run.sessions_deleted
        totals["sign_in_events"] += run.sign_in_events_deleted
    log.info("retention applied", extra=totals)
    return totals


def _register_daily_task() -> None:
    # As in primitives/followup.py: the daily scan lives with the workers.
    try:
        from tukiverkko.workers.scheduled import daily_task
    except ImportError:  # pragma: no cover - a web-only install
        return
    daily_task("privacy_retention")(run_retention)


_register_daily_task()
