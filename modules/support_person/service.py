"""Rules of MLL Kaveri, as plain functions over a session."""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from typing import Any

from sqlalchemy.orm import Session

from tukiverkko.modules.support_person.models import IntakeAnswers
from tukiverkko.platform import audit
from tukiverkko.platform.plugins import Refusal
from tukiverkko.platform.primitives import intake
from tukiverkko.platform.primitives.models import IntakeSource, Participant, Programme
from tukiverkko.tenants.licensing import today

KEY = "support_person"
MIN_AGE, MAX_AGE = 6, 17


def child_aged_6_to_17(
    db: Session, programme: Programme, fields: Mapping[str, Any]
) -> Refusal | None:
    """The child is 6-17 by year of birth (the year is all the intake keeps)."""
    year = fields.get("birth_year")
    if year is None:
        return Refusal(
            "birth_year_required", "MLL Kaveri needs the child's year of birth.", "birth_year"
        )
    if not MIN_AGE <= today().year - year <= MAX_AGE:
        return Refusal(
            "participant_not_eligible",
            "MLL Kaveri is for children aged 6-17.",
            "birth_year",
        )
    return None


def intake_questions_answered(
    db: Session, programme: Programme, fields: Mapping[str, Any]
) -> Refusal | None:
    """Child protection asked (a client is refused); the guardian's consent for a referral."""
    answers = fields.get("answers") or {}
    if "child_protection_client" not in answers:
        return Refusal(
            "child_protection_question_required",
            "Ask whether the child is a child-protection client: take the intake in through"
            " POST /api/v1/support-person/intakes.",
            "child_protection_client",
        )
    if answers["child_protection_client"]:
        return Refusal(
            "child_protection_client",
            "MLL Kaveri is not for child-protection clients: the child's social worker can"
            " find the right support within child protection.",
            "child_protection_client",
        )
    if (
        fields.get("source") == IntakeSource.REFERRER
        and not str(answers.get("guardian_consent_given_by", "")).strip()
    ):
        return Refusal(
            "guardian_consent_required",
            "A referral needs the guardian's consent: record who gave it.",
            "guardian_consent_given_by",
        )
    return None


def take_in(
    db: Session,
    programme: Programme,
    *,
    child_protection_client: bool,
    guardian_consent_given_by: str,
    recorded_by: uuid.UUID,
    **fields: Any,
) -> Participant:
    """The core intake with the module's questions, and the answers recorded with it."""
    consent = guardian_consent_given_by.strip()
    participant = intake.start_intake(
        db,
        programme,
        recorded_by=recorded_by,
        answers={
            "child_protection_client": child_protection_client,
            "guardian_consent_given_by": consent,
        },
        **fields,
    )
    db.add(
        IntakeAnswers(
            participant_id=participant.id,
            child_protection_client=child_protection_client,
            guardian_consent_given_by=consent or fields.get("consent_given_by", ""),
        )
    )
    db.flush()
    audit.record(
        db,
        "support_person_intake_answers",
        actor_id=recorded_by,
        target_type="participant",
        target_id=participant.id,
    )
    return participant
