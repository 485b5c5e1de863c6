"""Every list endpoint of the primitives is paginated and runs a constant number of queries.

The SQL statements of one request are counted with SQLAlchemy's
`before_cursor_execute` event on the app's engine, for a page of 3 rows and
for a page of 30: the counts must be equal (no query per row).
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import date, timedelta

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
from tukiverkko.platform.primitives.models_followup import (
    CheckIn,
    CheckInChannel,
    Event,
    EventKind,
    EventSignup,
    FeedbackAnswer,
    FeedbackForm,
    FormAudience,
    FormStatus,
    MeetingKind,
    MeetingLog,
    MeetingReply,
    SignupStatus,
    SupervisionAttendance,
    SupervisionGroup,
    SupervisionMember,
    SupervisionSession,
    VolunteerHours,
)

LONG_AGO = timedelta(days=60)


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
            self._followup_hub(db)

    def _followup_hub(self, db) -> None:  # type: ignore[no-untyped-def]
        """The hub's active match, meeting, group, session, event, sign-up and form."""
        coordinator = self.org.people[Role.COORDINATOR]
        match = Match(
            programme_id=self.programme_id,
            volunteer_id=self.volunteer,
            participant_id=self.participant,
            status=MatchStatus.ACTIVE,
            proposed_by=coordinator,
            activated_at=utcnow() - LONG_AGO,
        )
        group = SupervisionGroup(programme_id=self.programme_id, name="G")
        event = Event(
            programme_id=self.programme_id,
            kind=EventKind.OUTING,
            title="E",
            starts_at=utcnow() + LONG_AGO,
            capacity=1,
            created_by=coordinator,
        )
        form = FeedbackForm(
            title="F",
            questions=[{"key": "k", "kind": "text", "label": "?", "required": False}],
            anonymous=True,
            audience=FormAudience.VOLUNTEERS,
            status=FormStatus.OPEN,
            created_by=coordinator,
        )
        db.add_all([match, group, event, form])
        db.flush()
        meeting = MeetingLog(
            match_id=match.id,
            volunteer_id=self.volunteer,
            met_on=(utcnow() - LONG_AGO).date(),
            minutes=60,
            kind=MeetingKind.MEETING,
            logged_by=coordinator,
        )
        session = SupervisionSession(group_id=group.id, starts_at=utcnow())
        db.add_all(
            [
                meeting,
                session,
                SupervisionMember(group_id=group.id, volunteer_id=self.volunteer),
                EventSignup(
                    event_id=event.id,
                    volunteer_id=self.volunteer,
                    status=SignupStatus.CONFIRMED,
                    signed_up_by=coordinator,
                ),
            ]
        )
        db.flush()
        self.match, self.meeting, self.group = match.id, meeting.id, group.id
        self.supervision_session, self.event, self.form = session.id, event.id, form.id

    def _followup_rows(self, db, volunteer: uuid.UUID) -> list:  # type: ignore[no-untyped-def]
        """One more row of every follow-up list."""
        coordinator = self.org.people[Role.COORDINATOR]
        group = SupervisionGroup(programme_id=self.programme_id, name="G")
        db.add(group)
        db.flush()
        return [
            MeetingLog(
                match_id=self.match,
                volunteer_id=self.volunteer,
                met_on=(utcnow() - LONG_AGO).date(),
                minutes=30,
                kind=MeetingKind.PHONE,
                logged_by=coordinator,
            ),
            MeetingReply(meeting_id=self.meeting, author_id=coordinator, text="r"),
            CheckIn(match_id=self.match, channel=CheckInChannel.PHONE, recorded_by=coordinator),
            VolunteerHours(
                volunteer_id=self.volunteer,
                worked_on=utcnow().date(),
                minutes=60,
                activity="a",
                logged_by=coordinator,
            ),
            SupervisionMember(group_id=group.id, volunteer_id=self.volunteer),
            SupervisionMember(group_id=self.group, volunteer_id=volunteer),
            SupervisionSession(group_id=self.group, starts_at=utcnow()),
            SupervisionAttendance(
                session_id=self.supervision_session,
                volunteer_id=volunteer,
                attended=True,
                recorded_by=coordinator,
            ),
            Event(
                programme_id=self.programme_id,
                kind=EventKind.GROUP_MEETING,
                title="E",
                starts_at=utcnow(),
                capacity=1,
                created_by=coordinator,
            ),
            EventSignup(
                event_id=self.event,
                volunteer_id=volunteer,
                status=SignupStatus.WAITING,
                signed_up_by=coordinator,
            ),
            FeedbackForm(
                title="F",
                questions=[],
                anonymous=False,
                audience=FormAudience.VOLUNTEERS,
                status=FormStatus.OPEN,
                created_by=coordinator,
            ),
            FeedbackAnswer(form_id=self.form, answers={"k": "v"}),
        ]

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
                            # Active and silent since long: on the below-cadence list too.
                            status=MatchStatus.ACTIVE,
                            activated_at=utcnow() - LONG_AGO,
                            proposed_by=coordinator,
                        ),
                        *self._followup_rows(db, volunteer),
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
        ("/api/v1/matches", Role.COORDINATOR, lambda n: n + 1),
        ("/api/v1/matches", Role.VOLUNTEER, lambda n: n + 1),
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
        # Follow-up, supervision, events and feedback.
        ("/api/v1/follow-up/below-cadence", Role.COORDINATOR, lambda n: n + 1),
        (f"/api/v1/follow-up/matches/{world.match}/meetings", Role.VOLUNTEER, lambda n: n + 1),
        (f"/api/v1/follow-up/meetings/{world.meeting}/replies", Role.VOLUNTEER, same),
        (f"/api/v1/follow-up/matches/{world.match}/check-ins", Role.COORDINATOR, same),
        (f"/api/v1/follow-up/volunteers/{v}/hours", Role.VOLUNTEER, same),
        ("/api/v1/supervision/groups", Role.VOLUNTEER, lambda n: n + 1),
        ("/api/v1/supervision/groups", Role.COORDINATOR, lambda n: n + 1),
        (f"/api/v1/supervision/groups/{world.group}/members", Role.COORDINATOR, lambda n: n + 1),
        (f"/api/v1/supervision/groups/{world.group}/sessions", Role.VOLUNTEER, lambda n: n + 1),
        (
            f"/api/v1/supervision/sessions/{world.supervision_session}/attendance",
            Role.COORDINATOR,
            same,
        ),
        ("/api/v1/events", Role.VOLUNTEER, lambda n: n + 1),
        ("/api/v1/events", Role.COORDINATOR, lambda n: n + 1),
        (f"/api/v1/events/{world.event}/signups", Role.COORDINATOR, lambda n: n + 1),
        (f"/api/v1/events/{world.event}/signups", Role.VOLUNTEER, lambda n: 1),
        ("/api/v1/feedback/forms", Role.VOLUNTEER, lambda n: n + 1),
        (f"/api/v1/feedback/forms/{world.form}/answers", Role.COORDINATOR, same),
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
