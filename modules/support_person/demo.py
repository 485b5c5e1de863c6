"""Demo data of MLL Kaveri: a support person, a 10-year-old referred by the school, a match."""

from __future__ import annotations

import uuid

from sqlalchemy.orm import Session

from tukiverkko.modules.demo import active_match, approved_volunteer
from tukiverkko.modules.support_person import service
from tukiverkko.platform.db import utcnow
from tukiverkko.platform.primitives.models import IntakeSource, ParticipantKind, Programme


def load(db: Session, programme: Programme, actor_id: uuid.UUID) -> None:
    """Sari supports Aino, whom the school counsellor referred with her mother's consent."""
    sari = approved_volunteer(
        db, programme, actor_id, name="Sari Tukihenkilö", email="sari@example.org",
        postcode="20700", interests=["drawing", "swimming"],
    )  # fmt: skip
    aino = service.take_in(
        db, programme, source=IntakeSource.REFERRER, kind=ParticipantKind.CHILD, name="Aino",
        birth_year=utcnow().year - 10, postcode="20720", interests=["drawing"],
        referrer_organisation="Koulukuraattori", consent_given_by="Liisa (äiti)",
        child_protection_client=False, guardian_consent_given_by="Liisa (äiti)",
        recorded_by=actor_id,
    )  # fmt: skip
    active_match(db, programme, aino, sari, actor_id, given_by="Liisa (äiti)")
