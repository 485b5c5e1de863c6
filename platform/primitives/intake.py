"""Intake of participants: who started it, the consents, minimal data, sensitive notes.

Each programme says who may start an intake (the guardian herself, a
referrer, the person themself); any other source is refused with
`intake_source_not_allowed` — Mieskaverit, for one, takes only the mother's
own application. Sensitive notes are a table of their own so that no
schema a volunteer can reach could ever include them.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from typing import Any

from sqlalchemy.orm import Session

from tukiverkko.platform import audit, plugins
from tukiverkko.platform.db import utcnow
from tukiverkko.platform.errors import Conflict, Problem, ValidationFailed
from tukiverkko.platform.primitives import consents, programmes
from tukiverkko.platform.primitives.models import (
    ConsentPurpose,
    ConsentSubject,
    IntakeSource,
    Participant,
    ParticipantKind,
    ParticipantNote,
    ParticipantStatus,
    Programme,
)
from tukiverkko.platform.primitives.volunteers import clean_profile


class IntakeSourceNotAllowed(Problem):
    status = 422
    code = "intake_source_not_allowed"


def start_intake(
    db: Session,
    programme: Programme,
    *,
    source: IntakeSource,
    kind: ParticipantKind,
    consent_given_by: str,
    recorded_by: uuid.UUID | None,
    referrer_organisation: str = "",
    answers: Mapping[str, Any] | None = None,
    **fields: Any,
) -> Participant:
    """Take in a participant, if the programme allows intakes from `source`.

    The consent to keeping the data (given by the guardian or the person,
    named in `consent_given_by`) is required and recorded with the intake.
    `answers` are the module's own intake questions (asked by its intake
    endpoint), passed to its rules; the module stores them itself.
    """
    programmes.require_new_work(db, programme, "intake")
    if source not in programme.intake_sources:
        allowed = ", ".join(sorted(programme.intake_sources))
        # The model's own reason ("only the mother herself…") says what to do instead.
        reason = plugins.intake_refusal(programme)
        raise IntakeSourceNotAllowed(
            reason or f"This programme takes intakes only from: {allowed}.",
            errors={"json": {"source": [f"Not allowed here ({source})."]}},
        )
    if source == IntakeSource.REFERRER and not referrer_organisation.strip():
        raise ValidationFailed(
            "Name the referring organisation.",
            code="referrer_required",
            errors={"json": {"referrer_organisation": ["Required for a referral."]}},
        )
    if not consent_given_by.strip():
        raise ValidationFailed(
            "Record who consented to keeping the data.",
            code="consent_required",
            errors={"json": {"consent_given_by": ["Required."]}},
        )
    # The module's participant rules, with the answers its own intake form asked for.
    plugins.require_intake_allowed(
        programme, source, {"kind": kind, **fields, "answers": answers or {}}, db
    )
    profile = clean_profile({k: v for k, v in fields.items() if k in _PROFILE})
    others = {k: v for k, v in fields.items() if k not in _PROFILE}
    participant = Participant(
        programme_id=programme.id,
        kind=kind,
        intake_source=source,
        referrer_organisation=referrer_organisation.strip(),
        status=ParticipantStatus.WAITING,
        status_changed_at=utcnow(),
        recorded_by=recorded_by,
        **profile,
        **others,
    )
    db.add(participant)
    db.flush()
    consents.record_consent(
        db,
        subject_type=ConsentSubject.PARTICIPANT,
        subject_id=participant.id,
        purpose=ConsentPurpose.PROCESSING,
        given_by=consent_given_by.strip(),
        recorded_by=recorded_by,
    )
    audit.record(
        db,
        "intake_started",
        actor_id=recorded_by,
        target_type="participant",
        target_id=participant.id,
        source=source.value,
    )
    return participant


_PROFILE = ("postcode", "languages", "interests", "availability")
EDITABLE = (
    "name",
    "birth_year",
    "postcode",
    "languages",
    "interests",
    "availability",
    "contact_name",
    "contact_phone",
    "contact_email",
)


def update_participant(db: Session, participant: Participant, changes: dict[str, Any]) -> None:
    if participant.status == ParticipantStatus.ENDED:
        raise Conflict("The participant's case has ended.", code="participant_ended")
    cleaned = clean_profile({k: v for k, v in changes.items() if k in _PROFILE})
    for key, value in {**changes, **cleaned}.items():
        if key not in EDITABLE:
            raise KeyError(key)  # schemas pass only editable fields: a programming error
        setattr(participant, key, value)


def add_note(
    db: Session, participant: Participant, *, author_id: uuid.UUID, text: str
) -> ParticipantNote:
    """A sensitive note: only coordinators and admins read these."""
    note = ParticipantNote(participant_id=participant.id, author_id=author_id, text=text)
    db.add(note)
    db.flush()
    return note


def end_participation(
    db: Session, participant: Participant, *, reason: str, actor_id: uuid.UUID
) -> Participant:
    """End the case. Refused while a match is open: close it first."""
    from tukiverkko.platform.primitives.matching import open_match_of_participant

    if participant.status == ParticipantStatus.ENDED:
        raise Conflict("The participant's case has ended.", code="participant_ended")
    if open_match_of_participant(db, participant.id) is not None:
        raise Conflict("Close the participant's match first.", code="match_open")
    participant.status = ParticipantStatus.ENDED
    participant.status_changed_at = utcnow()
    participant.end_reason = reason.strip()
    audit.record(
        db,
        "participation_ended",
        actor_id=actor_id,
        target_type="participant",
        target_id=participant.id,
    )
    return participant
