"""Every list endpoint of the primitives is paginated and runs a constant number of queries.

The SQL statements of one request are counted with SQLAlchemy's
`before_cursor_execute` event on the app's engine, for a page of 3 rows and
for a page of 30: the counts must be equal (no query per row).
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import date

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import event

from tests.factories import Org, make_org, token_for
from tests.platform.primitives.support import in_tenant, make_programme
from tukiverkko.platform.db import Database, utcnow
from tukiverkko.platform.identity.models import Role
from tukiverkko.platform.primitives.models import (
    BackgroundCheck,
    CheckTask,
    Consent,
    ConsentPurpose,
    ConsentSubject,
    Curriculum,
    Enrolment,
    EnrolmentStatus,
    IntakeSource,
    InterviewNote,
    Match,
    MatchStatus,
    Participant,
    ParticipantKind,
    ParticipantNote,
    ParticipantStatus,
    Programme,
    TrainingCompletion,
    TrainingSession,
    Volunteer,
    VolunteerStatus,
)


class World:
    """One programme with a hub volunteer, participant, curriculum and session, and N of each."""

    def __init__(self, database: Database, org: Org) -> None:
        self.database, self.org = database, org
        self.programme_id = make_programme(database, org)
        self.count = 0
        with in_tenant(database, org) as db:
            self.volunteer = self._volunteer(db, linked=True, capacity=100)
            self.participant = self._participant(db)
            curriculum = Curriculum(programme_id=self.programme_id, name="K", hours=1)
            db.add(curriculum)
            db.flush()
            session = TrainingSession(
                curriculum_id=curriculum.id, starts_at=utcnow(), location="", capacity=100
            )
            db.add(session)
            db.flush()
            self.curriculum, self.session = curriculum.id, session.id

    def _volunteer(self, db, linked: bool = False, capacity: int = 1) -> uuid.UUID:  # type: ignore[no-untyped-def]
        volunteer = Volunteer(
            programme_id=self.programme_id,
            name="V",
            status=VolunteerStatus.APPROVED,
            capacity=capacity,
            check_recorded_at=utcnow(),
            user_id=self.org.people[Role.VOLUNTEER] if linked else None,
        )
        db.add(volunteer)
        db.flush()
        return volunteer.id

    def _participant(self, db) -> uuid.UUID:  # type: ignore[no-untyped-def]
        participant = Participant(
            programme_id=self.programme_id,
            kind=ParticipantKind.CHILD,
            name="P",
            intake_source=IntakeSource.GUARDIAN,
            status=ParticipantStatus.WAITING,
        )
        db.add(participant)
        db.flush()
        return participant.id

    def grow_to(self, n: int) -> None:
        """Add rows until every list below holds `n`."""
        coordinator = self.org.people[Role.COORDINATOR]
        with in_tenant(self.database, self.org) as db:
            for _ in range(n - self.count):
                volunteer = self._volunteer(db)
                participant = self._participant(db)
                curriculum = Curriculum(programme_id=self.programme_id, name="K", hours=1)
                db.add(curriculum)
                db.flush()
                db.add_all(
                    [
                        Match(
                            programme_id=self.programme_id,
                            volunteer_id=self.volunteer,
                            participant_id=participant,
                            status=MatchStatus.PROPOSED,
                            proposed_by=coordinator,
                        ),
                        InterviewNote(volunteer_id=self.volunteer, author_id=coordinator, text="n"),
                        BackgroundCheck(
                            volunteer_id=self.volunteer,
                            extract_issued_on=date.today(),
                            seen_by=coordinator,
                        ),
                        Consent(
                            subject_type=ConsentSubject.VOLUNTEER,
                            subject_id=self.volunteer,
                            purpose=ConsentPurpose.PROCESSING,
                            given_by="self",
                        ),
                        Consent(
                            subject_type=ConsentSubject.PARTICIPANT,
                            subject_id=self.participant,
                            purpose=ConsentPurpose.PROCESSING,
                            given_by="Äiti",
                        ),
                        ParticipantNote(
                            participant_id=self.participant, author_id=coordinator, text="s"
                        ),
                        CheckTask(name="T"),
                        TrainingSession(
                            curriculum_id=self.curriculum,
                            starts_at=utcnow(),
                            location="",
                            capacity=1,
                        ),
                        Enrolment(
                            session_id=self.session,
                            volunteer_id=volunteer,
                            status=EnrolmentStatus.ENROLLED,
                        ),
                        TrainingCompletion(
                            volunteer_id=self.volunteer,
                            curriculum_id=curriculum.id,
                            recorded_by=coordinator,
                        ),
                    ]
                )
                # Programmes: the world's own one counts as the first.
                if self.count >= 1:
                    db.add(Programme(module_key="mentor_buddy", name="X", closing_reasons=[]))
                self.count += 1


def _lists(world: World) -> list[tuple[str, Role, Callable[[int], int]]]:
    """(url, role, expected number of items once every list holds n)."""
    v, p = world.volunteer, world.participant
    same = lambda n: n  # noqa: E731
    return [
        ("/api/v1/programmes", Role.COORDINATOR, same),
        ("/api/v1/volunteers", Role.COORDINATOR, lambda n: n + 1),
        ("/api/v1/volunteers", Role.VOLUNTEER, lambda n: 1),
        ("/api/v1/participants", Role.COORDINATOR, lambda n: n + 1),
        ("/api/v1/matches", Role.COORDINATOR, same),
        ("/api/v1/matches", Role.VOLUNTEER, same),
        (f"/api/v1/volunteers/{v}/interview-notes", Role.COORDINATOR, same),
        (f"/api/v1/volunteers/{v}/background-checks", Role.COORDINATOR, same),
        (f"/api/v1/volunteers/{v}/consents", Role.COORDINATOR, same),
        (f"/api/v1/volunteers/{v}/training-completions", Role.VOLUNTEER, same),
        (f"/api/v1/participants/{p}/consents", Role.COORDINATOR, same),
        (f"/api/v1/participants/{p}/notes", Role.COORDINATOR, same),
        ("/api/v1/background-check-tasks", Role.COORDINATOR, same),
        ("/api/v1/training/curricula", Role.COORDINATOR, lambda n: n + 1),
        (
            f"/api/v1/training/curricula/{world.curriculum}/sessions",
            Role.VOLUNTEER,
            lambda n: n + 1,
        ),
        (f"/api/v1/training/sessions/{world.session}/enrolments", Role.COORDINATOR, same),
    ]


def test_list_endpoints_run_the_same_number_of_queries_for_3_and_30_rows(
    app: Flask, client: FlaskClient, database: Database
) -> None:
    org = make_org(database)
    world = World(database, org)
    headers = {role: token_for(client, org, role) for role in (Role.COORDINATOR, Role.VOLUNTEER)}
    statements: list[str] = []

    def count(conn, cursor, statement, parameters, context, executemany):  # type: ignore[no-untyped-def]
        statements.append(statement)

    def measure(n: int) -> dict[tuple[str, Role], int]:
        world.grow_to(n)
        counts = {}
        for url, role, expected in _lists(world):
            statements.clear()
            resp = client.get(url, headers=headers[role])
            assert resp.status_code == 200, (url, role, resp.text)
            assert len(resp.json["items"]) == expected(n), (url, role)
            assert "next_cursor" in resp.json
            counts[(url, role)] = len(statements)
        return counts

    event.listen(database.engine, "before_cursor_execute", count)
    try:
        small, large = measure(3), measure(30)
    finally:
        event.remove(database.engine, "before_cursor_execute", count)
    assert small == large, {k: (small[k], large[k]) for k in small if small[k] != large[k]}
    # A page smaller than the list: the cursor leads on, with the same queries.
    page = client.get(
        "/api/v1/matches", query_string={"limit": 10}, headers=headers[Role.COORDINATOR]
    )
    assert len(page.json["items"]) == 10 and page.json["next_cursor"]
