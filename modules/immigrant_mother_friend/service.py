"""Rules of Ystäväksi maahanmuuttajaäidille, as plain functions over a session."""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from tukiverkko.modules.immigrant_mother_friend.models import (
    FinnishLevel,
    Gender,
    IntakeAnswers,
    ReferralChannel,
    VolunteerFacts,
)
from tukiverkko.platform import audit
from tukiverkko.platform.errors import Conflict
from tukiverkko.platform.plugins import Refusal
from tukiverkko.platform.primitives import intake
from tukiverkko.platform.primitives.models import (
    IntakeSource,
    Participant,
    ParticipantKind,
    Programme,
    Volunteer,
)
from tukiverkko.tenants.licensing import today

KEY = "immigrant_mother_friend"
FINNISH_SPEAKING = (FinnishLevel.FLUENT, FinnishLevel.NATIVE)
# A referral names a service; a self-referral is the mother herself.
CHANNELS = {
    IntakeSource.REFERRER: (ReferralChannel.NEUVOLA, ReferralChannel.INTEGRATION_SERVICES),
    IntakeSource.SELF: (ReferralChannel.SELF,),
}


def require_module_programme(programme: Programme) -> None:
    """Module endpoints act only on the module's own programmes."""
    if programme.module_key != KEY:
        raise Conflict(
            "This is not a Ystäväksi maahanmuuttajaäidille programme.",
            code="not_a_immigrant_mother_friend_programme",
        )


def finnish_speaking_woman(
    db: Session, programme: Programme, volunteer: Volunteer
) -> Refusal | None:
    """Approval rule: the volunteer is a woman who speaks Finnish fluently or natively."""
    facts = db.scalar(select(VolunteerFacts).where(VolunteerFacts.volunteer_id == volunteer.id))
    if facts is None:
        return Refusal(
            "volunteer_facts_missing",
            "Record the volunteer's gender and Finnish first (the volunteers are"
            " Finnish-speaking women).",
            "gender",
        )
    if facts.gender != Gender.WOMAN:
        return Refusal(
            "volunteer_not_eligible", "The volunteers of this programme are women.", "gender"
        )
    if facts.finnish_level not in FINNISH_SPEAKING:
        return Refusal(
            "volunteer_not_eligible",
            "The volunteers of this programme speak Finnish fluently: Finnish is what the"
            " friendship helps the mother with.",
            "finnish_level",
        )
    return None


def an_immigrant_mother(
    db: Session, programme: Programme, fields: Mapping[str, Any]
) -> Refusal | None:
    """Intake rule: a mother (woman), her answers asked, the channel fitting the source."""
    if fields.get("kind") != ParticipantKind.WOMAN:
        return Refusal(
            "participant_not_eligible", "The participants are immigrant mothers.", "kind"
        )
    answers = fields.get("answers") or {}
    if "referral_channel" not in answers:
        return Refusal(
            "mother_answers_required",
            "Ask the mother's Finnish, children and how she came: take the intake in through"
            " POST /api/v1/immigrant-mother-friend/intakes.",
            "referral_channel",
        )
    if not fields.get("languages"):
        return Refusal("languages_required", "Record the languages the mother speaks.", "languages")
    if answers["referral_channel"] not in CHANNELS.get(fields.get("source"), ()):  # type: ignore[arg-type]
        return Refusal(
            "referral_channel_mismatch",
            "A referral comes from neuvola or integration services; a mother who comes by"
            " herself is a self-referral.",
            "referral_channel",
        )
    years = [int(y) for y in answers.get("children_birth_years") or []]
    if any(y > today().year for y in years) or len(years) > answers.get("children_count", 0):
        return Refusal(
            "invalid_children",
            "The children's years of birth do not fit their number.",
            "children_birth_years",
        )
    return None


def record_facts(
    db: Session,
    volunteer: Volunteer,
    *,
    gender: Gender,
    finnish_level: FinnishLevel,
    actor_id: uuid.UUID,
) -> VolunteerFacts:
    """Record (or correct) what the volunteer stated."""
    facts = db.scalar(select(VolunteerFacts).where(VolunteerFacts.volunteer_id == volunteer.id))
    if facts is None:
        facts = VolunteerFacts(volunteer_id=volunteer.id, recorded_by=actor_id)
        db.add(facts)
    facts.gender, facts.finnish_level, facts.recorded_by = gender, finnish_level, actor_id
    db.flush()
    return facts


def take_in(
    db: Session,
    programme: Programme,
    *,
    finnish_level: FinnishLevel,
    children_count: int,
    children_birth_years: list[int],
    referral_channel: ReferralChannel,
    recorded_by: uuid.UUID,
    **fields: Any,
) -> Participant:
    """The core intake with the mother's answers; stored with it."""
    participant = intake.start_intake(
        db,
        programme,
        recorded_by=recorded_by,
        answers={
            "finnish_level": finnish_level,
            "children_count": children_count,
            "children_birth_years": children_birth_years,
            "referral_channel": referral_channel,
        },
        **fields,
    )
    db.add(
        IntakeAnswers(
            participant_id=participant.id,
            finnish_level=finnish_level,
            children_count=children_count,
            children_birth_years=sorted(children_birth_years),
            referral_channel=referral_channel,
        )
    )
    db.flush()
    audit.record(
        db,
        "immigrant_mother_friend_intake_answers",
        actor_id=recorded_by,
        target_type="participant",
        target_id=participant.id,
    )
    return participant


def answers_of(db: Session, participant: Participant) -> IntakeAnswers | None:
    return db.scalar(select(IntakeAnswers).where(IntakeAnswers.participant_id == participant.id))
