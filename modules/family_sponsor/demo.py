"""Demo data of Perhekummi: a sponsor who acknowledged the guidance, a family, a match."""

from __future__ import annotations

import uuid

from sqlalchemy.orm import Session

from tukiverkko.modules.demo import active_match, approved_volunteer
from tukiverkko.modules.family_sponsor import service
from tukiverkko.platform.db import utcnow
from tukiverkko.platform.primitives.models import IntakeSource, ParticipantKind, Programme


def load(db: Session, programme: Programme, actor_id: uuid.UUID) -> None:
    """Helena sponsors the Virtanen family, who came by themselves with a 2-year-old."""
    helena = approved_volunteer(
        db, programme, actor_id, name="Helena Perhekummi", email="helena@example.org",
        postcode="20610",
        before_approval=lambda v: service.acknowledge_guidance(
            db, v, version=service.GUIDANCE_VERSION, recorded_by=actor_id
        ),
    )  # fmt: skip
    year = utcnow().year
    family = service.take_in(
        db, programme, source=IntakeSource.SELF, kind=ParticipantKind.FAMILY,
        name="Perhe Virtanen", postcode="20660", consent_given_by="Liisa Virtanen",
        need_scale=4, need_text="Kaipaamme aikuista juttuseuraa arkeen.",
        children_birth_years=[year - 2, year - 5], recorded_by=actor_id,
    )  # fmt: skip
    active_match(db, programme, family, helena, actor_id, given_by="Liisa Virtanen")
