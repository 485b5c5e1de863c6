"""The demo data of `make run`: each demo partner's programmes have people, matches, meetings."""

from __future__ import annotations

from flask import Flask
from sqlalchemy import func, select

from tukiverkko.platform import context
from tukiverkko.platform.db import Database
from tukiverkko.platform.primitives.models import (
    Match,
    MatchStatus,
    Participant,
    Programme,
    Volunteer,
    VolunteerStatus,
)
from tukiverkko.platform.primitives.models_followup import MeetingLog


def test_the_demo_programmes_show_something_real(app: Flask, database: Database) -> None:
    from tukiverkko.modules.mens_peer_groups.models import PeerGroup, PhoneShift
    from tukiverkko.modules.mentor_buddy.models import StartStep
    from tukiverkko.platform.demo import load_demo

    with app.app_context():
        assert load_demo() is True
        assert load_demo() is False  # idempotent
    with context.cross_tenant("test: demo data"), database.unit_of_work() as db:
        counts = {}
        for programme in db.scalars(select(Programme)):

            def count(model: type, *where: object, programme: Programme = programme) -> int:
                return int(
                    db.scalar(
                        select(func.count())
                        .select_from(model)
                        .where(model.programme_id == programme.id, *where)  # type: ignore[attr-defined]
                    )
                    or 0
                )

            counts[programme.module_key] = (
                count(
                    Volunteer,
                    Volunteer.status.in_([VolunteerStatus.APPROVED, VolunteerStatus.ACTIVE]),
                ),
                count(Participant),
                count(Match, Match.status == MatchStatus.ACTIVE),
            )
        meetings = db.scalar(select(func.count()).select_from(MeetingLog))
        steps = db.scalar(select(func.count()).select_from(StartStep))
        groups = db.scalar(select(func.count()).select_from(PeerGroup))
        shifts = db.scalar(select(func.count()).select_from(PhoneShift))
    for key in ("mentor_buddy", "support_person", "family_sponsor", "immigrant_mother_friend"):
        volunteers, participants, matches = counts[key]
        assert volunteers >= 1 and participants >= 1 and matches == 1, (key, counts[key])
    assert counts["mens_peer_groups"][0] == 2
    assert meetings and meetings >= 4 * 4 and steps == 3 and groups == 1 and shifts == 8
