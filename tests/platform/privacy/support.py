"""A seeded organisation for the data-protection tests, and independent checks.

The checks here do not use the privacy code: they read every column of
every table from `Base.metadata` and every stored file themselves.
"""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import JSON, String, Text, func, select

from tests.factories import Org, make_org
from tests.platform.primitives.support import (
    in_tenant,
    make_participant,
    make_programme,
    make_volunteer,
)
from tukiverkko.platform import audit, context
from tukiverkko.platform.db import Base, Database, TenantOwned, utcnow
from tukiverkko.platform.identity.models import Role

# The person who asks to be erased, and one who does not.
NAME = "Matti Meikäläinen"
EMAIL = "matti.meikalainen@example.org"
PHONE = "+358407654321"
OTHER_NAME = "Liisa Virtanen"


@dataclass
class Seeded:
    org: Org
    programme_id: uuid.UUID
    volunteer_id: uuid.UUID  # Matti, linked to the org's volunteer account
    other_volunteer_id: uuid.UUID  # Liisa
    participant_id: uuid.UUID
    other_participant_id: uuid.UUID
    match_id: uuid.UUID
    other_match_id: uuid.UUID
    ids: dict[str, Any] = field(default_factory=dict)


def seed(database: Database, org: Org | None = None) -> Seeded:
    """An organisation with two volunteers, two children, matches, meetings and module rows.

    Matti's data is spread over core and module tables, and another
    volunteer's meeting note names him.
    """
    from tukiverkko.modules.mentor_buddy.models import Gender, StartStep, VolunteerFacts
    from tukiverkko.platform.identity.models import User
    from tukiverkko.platform.primitives.models import (
        BackgroundCheck,
        InterviewNote,
        Match,
        MatchStatus,
        ParticipantNote,
    )
    from tukiverkko.platform.primitives.models_followup import (
        EventSignup,
        FeedbackAnswer,
        FeedbackForm,
        FormAudience,
        FormStatus,
        MeetingKind,
        MeetingLog,
        SignupStatus,
        VolunteerHours,
    )

    org = org or make_org(database)
    coordinator = org.people[Role.COORDINATOR]
    programme_id = make_programme(database, org)
    matti = make_volunteer(
        database, org, programme_id, approved=True, linked=True, name=NAME, email=EMAIL, phone=PHONE
    )
    liisa = make_volunteer(
        database, org, programme_id, approved=True, name=OTHER_NAME, email="liisa@example.org"
    )
    eetu = make_participant(database, org, programme_id, name="Eetu")
    onni = make_participant(
        database, org, programme_id, name="Onni", contact_name="Sari Salo", contact_email="s@x.fi"
    )
    today = utcnow().date()
    with in_tenant(database, org) as db:
        user = db.get(User, org.people[Role.VOLUNTEER])
        assert user is not None
        user.name = NAME  # the account says the same name
        match = Match(
            programme_id=programme_id,
            volunteer_id=matti,
            participant_id=eetu,
            status=MatchStatus.ACTIVE,
            proposed_by=coordinator,
            activated_at=utcnow() - timedelta(days=60),
        )
        other = Match(
            programme_id=programme_id,
            volunteer_id=liisa,
            participant_id=onni,
            status=MatchStatus.CLOSED,
            proposed_by=coordinator,
            close_reason="moved",
            closed_at=utcnow(),
        )
        db.add_all([match, other])
        db.flush()
        form = FeedbackForm(
            title="Kysely",
            questions=[
                {"key": "mood", "kind": "scale", "label": "?", "required": True},
                {"key": "words", "kind": "text", "label": "?", "required": False},
            ],
            anonymous=False,
            audience=FormAudience.VOLUNTEERS,
            status=FormStatus.OPEN,
            created_by=coordinator,
        )
        db.add(form)
        db.flush()
        rows: list[Any] = [
            InterviewNote(
                volunteer_id=matti,
                author_id=coordinator,
                text=f"{NAME} vaikutti hyvältä. Puh. 040 765 4321.",
            ),
            BackgroundCheck(volunteer_id=matti, extract_issued_on=today, seen_by=coordinator),
            ParticipantNote(participant_id=eetu, author_id=coordinator, text="Äiti toivoo retkiä."),
            VolunteerHours(
                volunteer_id=matti,
                worked_on=today,
                minutes=60,
                activity="Retki",
                logged_by=coordinator,
            ),
            FeedbackAnswer(
                form_id=form.id,
                answers={"mood": 4, "words": f"Terveisin {NAME}"},
                respondent_user_id=org.people[Role.VOLUNTEER],
                volunteer_id=matti,
            ),
            VolunteerFacts(
                volunteer_id=matti, gender=Gender.MAN, birth_year=1980, recorded_by=coordinator
            ),
            StartStep(
                match_id=match.id,
                step=1,
                held_on=today,
                note=f"Tapaaminen: {NAME} ja äiti.",
                recorded_by=coordinator,
            ),
        ]
        for i in range(3):
            rows.append(
                MeetingLog(
                    match_id=match.id,
                    volunteer_id=matti,
                    met_on=today - timedelta(days=i * 7),
                    minutes=90,
                    kind=MeetingKind.OUTING,
                    note=f"Uimassa {i}",
                    logged_by=org.people[Role.VOLUNTEER],
                    withdrawn_at=utcnow() if i == 2 else None,
                )
            )
        rows.append(
            MeetingLog(
                match_id=other.id,
                volunteer_id=liisa,
                met_on=today,
                minutes=45,
                kind=MeetingKind.MEETING,
                note=f"Retkellä oli myös {NAME} ({EMAIL}).",
                logged_by=coordinator,
            )
        )
        db.add_all(rows)
        db.flush()
        from tukiverkko.platform.primitives.models_followup import Event, EventKind

        event = Event(
            programme_id=programme_id,
            kind=EventKind.OUTING,
            title="Retki",
            starts_at=utcnow(),
            capacity=5,
            created_by=coordinator,
        )
        db.add(event)
        db.flush()
        db.add(
            EventSignup(
                event_id=event.id,
                volunteer_id=matti,
                status=SignupStatus.CONFIRMED,
                signed_up_by=coordinator,
            )
        )
        # A failed sign-in with his email stays in the audit trail (append-only).
        audit.record(db, "sign_in_failed", email=EMAIL)
    return Seeded(org, programme_id, matti, liisa, eetu, onni, match.id, other.id)


def texts_of_tenant_tables(database: Database) -> list[tuple[str, str, str]]:
    """(table, column, text) of every text or JSON value in every tenant-owned table."""
    from tukiverkko.platform.models import load_models

    load_models()
    owned = {m.local_table.name for m in Base.registry.mappers if issubclass(m.class_, TenantOwned)}
    found = []
    with context.cross_tenant("test scan"), database.unit_of_work() as db:
        for table in Base.metadata.sorted_tables:
            if table.name not in owned:
                continue
            cols = [c for c in table.columns if isinstance(c.type, String | Text | JSON)]
            if not cols:
                continue
            for row in db.execute(select(*cols)):
                for col, value in zip(cols, row, strict=True):
                    if value is None:
                        continue
                    text = (
                        value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)
                    )
                    found.append((table.name, col.name, text))
    return found


def texts_of_files(root: Path) -> list[tuple[str, str]]:
    """(path, text) of every stored file."""
    return [
        (str(p), p.read_bytes().decode("utf-8", "replace")) for p in root.rglob("*") if p.is_file()
    ]


def find(texts: list[tuple[Any, ...]], needles: list[str]) -> list[tuple[Any, ...]]:
    """The entries whose text contains a needle (case-insensitive)."""
    lowered = [n.lower() for n in needles]
    return [t for t in texts if any(n in t[-1].lower() for n in lowered)]


def totals(database: Database, org: Org) -> dict[str, Any]:
    """Report-like figures, counted here with plain SQL."""
    from tukiverkko.modules.mentor_buddy.models import VolunteerFacts
    from tukiverkko.platform.primitives.models import Match, Participant, Volunteer
    from tukiverkko.platform.primitives.models_followup import (
        EventSignup,
        FeedbackAnswer,
        MeetingLog,
        VolunteerHours,
    )

    with in_tenant(database, org) as db:
        return {
            "volunteers": dict(
                db.execute(select(Volunteer.status, func.count()).group_by(Volunteer.status)).all()
            ),
            "participants": dict(
                db.execute(
                    select(Participant.status, func.count()).group_by(Participant.status)
                ).all()
            ),
            "matches": dict(
                db.execute(select(Match.status, func.count()).group_by(Match.status)).all()
            ),
            "closing_reasons": dict(
                db.execute(
                    select(Match.close_reason, func.count()).group_by(Match.close_reason)
                ).all()
            ),
            "meetings": dict(
                db.execute(
                    select(MeetingLog.withdrawn_at.is_(None), func.count()).group_by(
                        MeetingLog.withdrawn_at.is_(None)
                    )
                ).all()
            ),
            "meeting_minutes": db.scalar(select(func.sum(MeetingLog.minutes))),
            "hours": db.scalar(select(func.sum(VolunteerHours.minutes))),
            "signups": db.scalar(select(func.count()).select_from(EventSignup)),
            "answers": db.scalar(select(func.count()).select_from(FeedbackAnswer)),
            "men_by_birth_year": dict(
                db.execute(
                    select(VolunteerFacts.birth_year, func.count()).group_by(
                        VolunteerFacts.birth_year
                    )
                ).all()
            ),
        }


def end_volunteering(database: Database, s: Seeded) -> None:
    """Matti quits (his open match closes), as before an erasure request is answered."""
    from tukiverkko.platform.primitives import volunteers
    from tukiverkko.platform.primitives.models import Volunteer

    with in_tenant(database, s.org) as db:
        volunteer = db.get(Volunteer, s.volunteer_id)
        assert volunteer is not None
        volunteers.end(
            db,
            volunteer,
            reason="Muutto",
            actor_id=s.org.people[Role.COORDINATOR],
            by_volunteer=False,
        )


def days_ago(n: int) -> date:
    return utcnow().date() - timedelta(days=n)
