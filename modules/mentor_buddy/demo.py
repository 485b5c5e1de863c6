"""Demo data of Mieskaverit®: two buddies, a child with his mother, a match, its staged start."""

from __future__ import annotations

import uuid
from datetime import timedelta

from sqlalchemy.orm import Session

from tukiverkko.modules.demo import active_match, approved_volunteer
from tukiverkko.modules.mentor_buddy import service
from tukiverkko.modules.mentor_buddy.models import Gender
from tukiverkko.platform.db import utcnow
from tukiverkko.platform.primitives import intake
from tukiverkko.platform.primitives.models import IntakeSource, ParticipantKind, Programme


def load(db: Session, programme: Programme, actor_id: uuid.UUID) -> None:
    """Matti (he can sign in) is Eetu's buddy since six weeks; Ville waits for a match."""

    def facts(year: int) -> object:
        return lambda v: service.record_facts(
            db, v, gender=Gender.MAN, birth_year=year, adult_confirmed=False, actor_id=actor_id
        )

    matti = approved_volunteer(
        db, programme, actor_id, name="Matti Mieskaveri", email="matti@tsemppi.example",
        postcode="20100", interests=["football", "fishing"], before_approval=facts(1984),
    )  # fmt: skip
    approved_volunteer(
        db, programme, actor_id, name="Ville Vapaaehtoinen", email="ville@example.org",
        postcode="20500", interests=["music"], before_approval=facts(1990),
    )  # fmt: skip
    eetu = intake.start_intake(
        db, programme, source=IntakeSource.GUARDIAN, kind=ParticipantKind.CHILD,
        name="Eetu", birth_year=utcnow().year - 9, postcode="20200",
        interests=["football"], contact_name="Anna (äiti)", contact_phone="+358401111111",
        consent_given_by="Anna (äiti)", recorded_by=actor_id,
    )  # fmt: skip
    intake.start_intake(
        db, programme, source=IntakeSource.GUARDIAN, kind=ParticipantKind.CHILD,
        name="Onni", birth_year=utcnow().year - 7, postcode="20300",
        contact_name="Sanna (äiti)", consent_given_by="Sanna (äiti)", recorded_by=actor_id,
    )  # fmt: skip
    match = active_match(db, programme, eetu, matti, actor_id, given_by="Anna (äiti)")
    start = (utcnow() - timedelta(days=44)).date()
    for step in (1, 2, 3):
        service.record_step(
            db, match, step=step, held_on=start + timedelta(days=7 * (step - 1)),
            note="", actor_id=actor_id,
        )  # fmt: skip
    service.create_outing(
        db, programme, title="Keilaamaan koko porukalla", description="Kaikki kaverit mukaan.",
        starts_at=utcnow() + timedelta(days=12), location="Turun keilahalli", capacity=20,
        created_by=actor_id,
    )  # fmt: skip
