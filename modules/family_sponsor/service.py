"""Rules of Perhekummi, as plain functions over a session."""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import Session

from tukiverkko.modules.family_sponsor.models import GuidanceAcknowledgement, IntakeAnswers
from tukiverkko.platform import audit
from tukiverkko.platform.db import utcnow
from tukiverkko.platform.errors import Conflict
from tukiverkko.platform.plugins import Refusal
from tukiverkko.platform.primitives import intake
from tukiverkko.platform.primitives.models import (
    Participant,
    ParticipantKind,
    Programme,
    Volunteer,
)
from tukiverkko.tenants.licensing import today

KEY = "family_sponsor"
# Neuvola follows a child until school starts, the year they turn seven.
NEUVOLA_AGE_LIMIT = 7

GUIDANCE_VERSION = "2026-1"
GUIDANCE = (
    _l("A family sponsor is a volunteer friend of the family, an adult beside the parents."),
    _l(
        "A sponsor is not a babysitter, a home help or any other professional: the family's"
        " everyday chores and childcare stay with the family and the services."
    ),
    _l("The family's own sense of need is the starting point; you agree together what you do."),
    _l("When the family needs professional help, tell the coordinator."),
)


def require_family_sponsor(programme: Programme) -> None:
    """Module endpoints act only on the module's own programmes."""
    if programme.module_key != KEY:
        raise Conflict("This is not a Perhekummi programme.", code="not_a_family_sponsor_programme")


def a_family(db: Session, programme: Programme, intake: Mapping[str, Any]) -> Refusal | None:
    """Intake rule: Perhekummi supports families."""
    if intake.get("kind") != ParticipantKind.FAMILY:
        return Refusal("participant_not_eligible", "Perhekummi supports families.", "kind")
    return None


def a_child_of_neuvola_age(
    db: Session, programme: Programme, fields: Mapping[str, Any]
) -> Refusal | None:
    """Intake rule: the need was asked, and at least one child is under seven.

    By year of birth (all the intake keeps): a child born seven years ago this
    calendar year may still be six, so that year is accepted.
    """
    answers = fields.get("answers") or {}
    if "need_scale" not in answers:
        return Refusal(
            "family_need_required",
            "Ask the family how much they feel they need a sponsor: take the intake in"
            " through POST /api/v1/family-sponsor/intakes.",
            "need_scale",
        )
    years = [int(y) for y in answers.get("children_birth_years") or []]
    this_year = today().year
    if any(y > this_year for y in years):
        return Refusal(
            "invalid_birth_year",
            "A child's year of birth is in the future.",
            "children_birth_years",
        )
    if not any(this_year - y <= NEUVOLA_AGE_LIMIT for y in years):
        return Refusal(
            "participant_not_eligible",
            "Perhekummi is for families with children of neuvola age (under seven).",
            "children_birth_years",
        )
    return None


def guidance_acknowledged(
    db: Session, programme: Programme, volunteer: Volunteer
) -> Refusal | None:
    """Approval rule: the volunteer acknowledged that a sponsor is not a babysitter or home help."""
    if guidance_of(db, volunteer) is None:
        return Refusal(
            "guidance_not_acknowledged",
            "The volunteer must first read and acknowledge the guidance: a family sponsor is"
            " not a babysitter or home help.",
            "guidance",
        )
    return None


def guidance_of(db: Session, volunteer: Volunteer) -> GuidanceAcknowledgement | None:
    return db.scalar(
        select(GuidanceAcknowledgement).where(
            GuidanceAcknowledgement.volunteer_id == volunteer.id,
            GuidanceAcknowledgement.version == GUIDANCE_VERSION,
        )
    )


def guidance_text() -> dict[str, Any]:
    return {"version": GUIDANCE_VERSION, "guidance": [str(g) for g in GUIDANCE]}


def acknowledge_guidance(
    db: Session, volunteer: Volunteer, *, version: str, recorded_by: uuid.UUID
) -> GuidanceAcknowledgement:
    """Record that the volunteer read the guidance of `version` (the current one only)."""
    if version != GUIDANCE_VERSION:
        raise Conflict(
            "The guidance has changed: read the current text and acknowledge it.",
            code="guidance_version_outdated",
            errors={"json": {"version": [f"The current version is {GUIDANCE_VERSION}."]}},
        )
    row = db.scalar(
        select(GuidanceAcknowledgement).where(GuidanceAcknowledgement.volunteer_id == volunteer.id)
    )
    if row is None:
        row = GuidanceAcknowledgement(volunteer_id=volunteer.id)
        db.add(row)
    if row.version != version:
        row.version, row.acknowledged_at, row.recorded_by = version, utcnow(), recorded_by
    db.flush()
    return row


def take_in(
    db: Session,
    programme: Programme,
    *,
    need_scale: int,
    need_text: str,
    children_birth_years: list[int],
    recorded_by: uuid.UUID,
    **fields: Any,
) -> Participant:
    """The core intake with the family's own sense of need; the answers stored with it."""
    participant = intake.start_intake(
        db,
        programme,
        recorded_by=recorded_by,
        answers={"need_scale": need_scale, "children_birth_years": children_birth_years},
        **fields,
    )
    db.add(
        IntakeAnswers(
            participant_id=participant.id,
            need_scale=need_scale,
            need_text=need_text.strip(),
            children_birth_years=sorted(children_birth_years),
        )
    )
    db.flush()
    audit.record(
        db,
        "family_sponsor_intake_answers",
        actor_id=recorded_by,
        target_type="participant",
        target_id=participant.id,
    )
    return participant


def answers_of(db: Session, participant: Participant) -> IntakeAnswers | None:
    return db.scalar(select(IntakeAnswers).where(IntakeAnswers.participant_id == participant.id))
