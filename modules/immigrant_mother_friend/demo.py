"""Demo data of Ystäväksi maahanmuuttajaäidille: a friend, a mother from neuvola, a match."""

from __future__ import annotations

import uuid

from sqlalchemy.orm import Session

from tukiverkko.modules.demo import active_match, approved_volunteer
from tukiverkko.modules.immigrant_mother_friend import service
from tukiverkko.modules.immigrant_mother_friend.models import (
    FinnishLevel,
    Gender,
    ReferralChannel,
)
from tukiverkko.platform.db import utcnow
from tukiverkko.platform.primitives.models import IntakeSource, ParticipantKind, Programme


def load(db: Session, programme: Programme, actor_id: uuid.UUID) -> None:
    """Leena befriends Amina, whom the neuvola referred; Fatima came by herself and waits."""
    leena = approved_volunteer(
        db, programme, actor_id, name="Leena Ystävä", email="leena@example.org",
        postcode="20610", languages=["fi", "en", "ar"],
        before_approval=lambda v: service.record_facts(
            db, v, gender=Gender.WOMAN, finnish_level=FinnishLevel.NATIVE, actor_id=actor_id
        ),
    )  # fmt: skip
    year = utcnow().year
    amina = service.take_in(
        db, programme, source=IntakeSource.REFERRER, kind=ParticipantKind.WOMAN, name="Amina",
        referrer_organisation="Varissuon neuvola", consent_given_by="Amina",
        postcode="20610", languages=["ar", "en"], finnish_level=FinnishLevel.BEGINNER,
        children_count=2, children_birth_years=[year - 1, year - 4],
        referral_channel=ReferralChannel.NEUVOLA, recorded_by=actor_id,
    )  # fmt: skip
    service.take_in(
        db, programme, source=IntakeSource.SELF, kind=ParticipantKind.WOMAN, name="Fatima",
        consent_given_by="Fatima", postcode="20380", languages=["so"],
        finnish_level=FinnishLevel.NONE, children_count=1, children_birth_years=[year - 3],
        referral_channel=ReferralChannel.SELF, recorded_by=actor_id,
    )  # fmt: skip
    active_match(db, programme, amina, leena, actor_id, given_by="Amina")
