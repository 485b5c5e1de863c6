"""Consent records: who agreed to what, and when. Withdrawn, never deleted."""

from __future__ import annotations

import uuid

from sqlalchemy import select
from sqlalchemy.orm import Session

from tukiverkko.platform.db import utcnow
from tukiverkko.platform.primitives.models import Consent, ConsentPurpose, ConsentSubject


def record_consent(
    db: Session,
    *,
    subject_type: ConsentSubject,
    subject_id: uuid.UUID,
    purpose: ConsentPurpose,
    given_by: str,
    recorded_by: uuid.UUID | None,
) -> Consent:
    consent = Consent(
        subject_type=subject_type,
        subject_id=subject_id,
        purpose=purpose,
        given_by=given_by,
        recorded_by=recorded_by,
        given_at=utcnow(),
    )
    db.add(consent)
    return consent


def has_consent(db: Session, subject_id: uuid.UUID, purpose: ConsentPurpose) -> bool:
    """Whether a consent for `purpose` is in force (given and not withdrawn)."""
    return (
        db.scalar(
            select(Consent.id)
            .where(
                Consent.subject_id == subject_id,
                Consent.purpose == purpose,
                Consent.withdrawn_at.is_(None),
            )
            .limit(1)
        )
        is not None
    )


def withdraw_consent(db: Session, subject_id: uuid.UUID, purpose: ConsentPurpose) -> int:
    """Mark every consent of `subject_id` for `purpose` withdrawn; returns how many."""
    consents = db.scalars(
        select(Consent).where(
            Consent.subject_id == subject_id,
            Consent.purpose == purpose,
            Consent.withdrawn_at.is_(None),
        )
    ).all()
    for consent in consents:
        consent.withdrawn_at = utcnow()
    return len(consents)
