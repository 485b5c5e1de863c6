"""The journey's notifications arrive: applications, matches, reminders, expiries.

Emails go to a real SMTP server on loopback (aiosmtpd); jobs run in-process
(the embedded default), on SQLite and PostgreSQL. Every daily task runs twice
on the same day and the second run sends nothing.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, date, datetime, time, timedelta

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from tests.factories import (
    Org,
    make_licence,
    make_model_owner,
    make_org,
    make_programme_model,
)
from tests.platform.primitives.support import (
    in_tenant,
    make_participant,
    make_programme,
    make_volunteer,
)
from tests.support.services import RedisServer
from tests.support.smtp import SmtpSink
from tukiverkko.platform import context
from tukiverkko.platform.db import Database, utcnow
from tukiverkko.platform.identity.models import Role, User
from tukiverkko.platform.notifications import Notification
from tukiverkko.platform.primitives import events, matching, notices, supervision, training
from tukiverkko.platform.primitives.models import (
    BackgroundCheck,
    Match,
    Participant,
    Programme,
    Volunteer,
)
from tukiverkko.platform.primitives.models_followup import EventKind
from tukiverkko.platform.settings import Settings

TODAY = utcnow().astimezone(notices.LOCAL_ZONE).date()
TOMORROW_18 = datetime.combine(
    TODAY + timedelta(days=1), time(18, 0), tzinfo=notices.LOCAL_ZONE
).astimezone(UTC)


@pytest.fixture
def smtp() -> Iterator[SmtpSink]:
    sink = SmtpSink().start()
    yield sink
    sink.stop()


@pytest.fixture
def settings(settings: Settings, smtp: SmtpSink, redis_server: RedisServer) -> Settings:
    # Real SMTP on loopback; Redis only for the daily scan's own rescheduling.
    return replace(settings, smtp_url=smtp.url, redis_url=redis_server.url)


@pytest.fixture
def ctx(app: Flask) -> Iterator[None]:
    """An app context for service-level calls: outbox messages are handed on after commit."""
    with app.app_context():
        yield


def _inbox(database: Database, org: Org, user_id: uuid.UUID) -> list[str]:
    with context.bind(tenant_id=org.id), database.unit_of_work() as s:
        return sorted(
            s.scalars(select(Notification.kind).where(Notification.user_id == user_id)).all()
        )


def _set_language(database: Database, org: Org, role: Role, language: str) -> None:
    with context.bind(tenant_id=org.id), database.unit_of_work() as s:
        user = s.get(User, org.people[role])
        assert user is not None
        user.language = language


def test_a_public_application_is_acknowledged_in_the_applicants_language(
    client: FlaskClient, database: Database, smtp: SmtpSink
) -> None:
    org = make_org(database)
    programme_id = make_programme(database, org)
    url = f"/api/v1/public/{org.slug}/programmes/{programme_id}/volunteer-applications?lang=sv"
    applied = client.post(
        url,
        json={
            "name": "Sven Svensson",
            "email": "sven@example.fi",
            "consent_processing": True,
            "consent_background_check": True,
            "background_check_notice_acknowledged": True,
        },
    )
    assert applied.status_code == 201, applied.text
    (receipt,) = [m for m in smtp.messages if m["To"] == "sven@example.fi"]
    assert receipt["Content-Language"] == "sv"
    assert "Mieskaverit Turku" in receipt["Subject"]
    assert "Sven Svensson" in receipt.get_content()
    # The coordinator hears of it by email and in the inbox; the volunteer account does not.
    assert org.emails[Role.COORDINATOR] in smtp.recipients()
    assert _inbox(database, org, org.people[Role.COORDINATOR]) == ["volunteer_applied"]
    assert "volunteer_applied" not in _inbox(database, org, org.people[Role.VOLUNTEER])
    # A failed application sends nothing.
    before = len(smtp.messages)
    refused = client.post(url, json={"name": "X", "email": "x@example.fi"})
    assert refused.status_code == 422
    assert len(smtp.messages) == before


def test_match_proposed_accepted_and_closed_reach_the_volunteer_and_coordinators(
    ctx: None, database: Database, smtp: SmtpSink
) -> None:
    org = make_org(database)
    _set_language(database, org, Role.VOLUNTEER, "en")  # the texts below are English
    programme_id = make_programme(database, org)
    volunteer_id = make_volunteer(database, org, programme_id, approved=True, linked=True)
    participant_id = make_participant(database, org, programme_id)
    admin = org.people[Role.TENANT_ADMIN]
    with in_tenant(database, org) as db:
        programme = db.get(Programme, programme_id)
        volunteer = db.get(Volunteer, volunteer_id)
        participant = db.get(Participant, participant_id)
        assert programme and volunteer and participant
        match_id = matching.propose(db, programme, participant, volunteer, actor_id=admin).id
    volunteer_user, coordinator = org.people[Role.VOLUNTEER], org.people[Role.COORDINATOR]
    assert _inbox(database, org, volunteer_user).count("match_proposed") == 1
    assert _inbox(database, org, coordinator) == ["match_proposed"]
    offer = [m for m in smtp.messages if m["To"] == org.emails[Role.VOLUNTEER]][-1]
    assert "offered a match" in offer["Subject"]
    assert "Eetu" not in offer.get_content()  # the child is never named in an email

    with in_tenant(database, org) as db:
        match = db.get(Match, match_id)
        assert match is not None
        matching.accept_as_volunteer(db, match, actor_id=volunteer_user)
        matching.accept_for_participant(db, match, given_by="Äiti Anna", actor_id=coordinator)
    assert _inbox(database, org, volunteer_user).count("match_accepted") == 1
    assert _inbox(database, org, coordinator).count("match_accepted") == 1

    with in_tenant(database, org) as db:
        match = db.get(Match, match_id)
        programme = db.get(Programme, programme_id)
        assert match and programme
        matching.close_match(
            db, match, programme, reason=programme.closing_reasons[0], note="", actor_id=admin
        )
    assert _inbox(database, org, volunteer_user).count("match_closed") == 1
    assert _inbox(database, org, coordinator).count("match_closed") == 1
    subjects = [str(m["Subject"]) for m in smtp.messages if m["To"] == org.emails[Role.VOLUNTEER]]
    assert any("has started" in s for s in subjects) and any("has ended" in s for s in subjects)
    # The admin who proposed and closed was not told about their own doing.
    assert _inbox(database, org, admin) == []


def _set_up_tomorrow(database: Database, org: Org) -> dict[str, uuid.UUID]:
    """Training, an event and supervision tomorrow; one linked and one address-only volunteer."""
    programme_id = make_programme(database, org)
    linked = make_volunteer(database, org, programme_id, approved=True, linked=True)
    by_address = make_volunteer(
        database, org, programme_id, approved=True, email="ulla@example.fi", languages=["sv"]
    )
    coordinator = org.people[Role.COORDINATOR]
    with in_tenant(database, org) as db:
        programme = db.get(Programme, programme_id)
        assert programme is not None
        people = [db.get(Volunteer, linked), db.get(Volunteer, by_address)]
        curriculum = training.create_curriculum(
            db, programme, name="Mieskaverikurssi", description="", hours=15
        )
        course = training.create_session(
            db, curriculum, starts_at=TOMORROW_18, location="Tsemppi", capacity=10
        )
        later = training.create_session(
            db, curriculum, starts_at=TOMORROW_18 + timedelta(days=2), location="", capacity=10
        )
        event = events.create_event(
            db, programme, kind=EventKind.OUTING, title="Keilailu", description="",
            starts_at=TOMORROW_18, location="Keilahalli", capacity=10, created_by=coordinator,
        )  # fmt: skip
        group = supervision.create_group(
            db, programme, name="Ryhmä A", supervisor_name="Työnohjaaja"
        )
        supervision.schedule_session(db, group, starts_at=TOMORROW_18, location="Toimisto")
        for volunteer in people:
            assert volunteer is not None
            training.enrol(db, course, volunteer)
            training.enrol(db, later, volunteer)  # not tomorrow: no reminder
            events.sign_up(db, event, volunteer=volunteer, signed_up_by=coordinator)
            supervision.add_member(db, group, volunteer)
    return {"programme": programme_id, "linked": linked, "by_address": by_address}


def test_tomorrows_training_event_and_supervision_are_reminded_once(
    ctx: None, database: Database, smtp: SmtpSink
) -> None:
    org = make_org(database)
    _set_language(database, org, Role.VOLUNTEER, "en")
    _set_up_tomorrow(database, org)
    volunteer_user = org.people[Role.VOLUNTEER]
    before = len(smtp.messages)
    sent = [
        notices.send_training_reminders(TODAY),
        notices.send_event_reminders(TODAY),
        notices.send_supervision_reminders(TODAY),
    ]
    assert sent == [2, 2, 2]
    new = smtp.messages[before:]
    assert sorted(str(m["To"]) for m in new) == sorted(
        [org.emails[Role.VOLUNTEER]] * 3 + ["ulla@example.fi"] * 3
    )
    assert {m["Content-Language"] for m in new if m["To"] == "ulla@example.fi"} == {"sv"}
    english = next(
        m
        for m in new
        if m["To"] == org.emails[Role.VOLUNTEER] and "Mieskaverikurssi" in str(m["Subject"])
    )
    assert "6:00" in english.get_content()  # 18:00 Finnish time, in the reader's format
    for kind_name in ("training_reminder", "event_reminder", "supervision_reminder"):
        assert _inbox(database, org, volunteer_user).count(kind_name) == 1
    # The same day again: nothing new.
    again = [
        notices.send_training_reminders(TODAY),
        notices.send_event_reminders(TODAY),
        notices.send_supervision_reminders(TODAY),
    ]
    assert again == [0, 0, 0] and len(smtp.messages) == before + 6


def test_an_expiring_background_check_is_announced_once_to_volunteer_and_coordinators(
    ctx: None, database: Database, smtp: SmtpSink
) -> None:
    org = make_org(database)
    programme_id = make_programme(database, org)
    soon = make_volunteer(database, org, programme_id, approved=True, linked=True)
    fresh = make_volunteer(database, org, programme_id, approved=True, email="fresh@example.fi")
    with in_tenant(database, org) as db:
        programme = db.get(Programme, programme_id)
        assert programme is not None
        max_age = programme.extract_max_age_days
        for volunteer_id, age in ((soon, max_age - 10), (fresh, 5)):
            db.add(
                BackgroundCheck(
                    volunteer_id=volunteer_id,
                    extract_issued_on=TODAY - timedelta(days=age),
                    seen_by=org.people[Role.COORDINATOR],
                )
            )
    before = len(smtp.messages)
    assert notices.send_check_expiry_notices(TODAY) == 2  # the volunteer and one coordinator
    assert sorted(str(m["To"]) for m in smtp.messages[before:]) == sorted(
        [org.emails[Role.VOLUNTEER], org.emails[Role.COORDINATOR]]
    )
    assert _inbox(database, org, org.people[Role.COORDINATOR]) == ["background_check_expiring"]
    # Tomorrow it is still within 30 days, and still sent only once.
    assert notices.send_check_expiry_notices(TODAY + timedelta(days=1)) == 0
    assert len(smtp.messages) == before + 2


def test_open_licence_conditions_remind_the_partner_admins_every_30_days(
    ctx: None, database: Database, smtp: SmtpSink
) -> None:
    from tukiverkko.tenants.licensing_models import Licence

    owner = make_model_owner(database)
    partner = make_org(database)
    _set_language(database, partner, Role.TENANT_ADMIN, "en")  # the texts below are English
    licence_id = make_licence(database, make_programme_model(database, owner), partner)
    done_id = make_licence(database, make_programme_model(database, owner), partner, satisfied=True)
    with context.cross_tenant("test"), database.unit_of_work() as s:
        for lid in (licence_id, done_id):
            licence = s.get(Licence, lid)
            assert licence is not None
            licence.status_changed_at = utcnow() - timedelta(days=31)
    now = utcnow()
    assert notices.send_licence_condition_reminders(now) == 1
    assert notices.send_licence_condition_reminders(now) == 0
    (message,) = [m for m in smtp.messages if m["To"] == partner.emails[Role.TENANT_ADMIN]]
    assert "conditions still open" in str(message["Subject"])
    assert "cooperation agreement" in message.get_content()
    assert notices.send_licence_condition_reminders(now + timedelta(days=30)) == 1
    assert owner.emails[Role.OWNER_STAFF] not in smtp.recipients()


def test_the_whole_daily_scan_twice_on_one_day_sends_nothing_twice(
    ctx: None, database: Database, smtp: SmtpSink, monkeypatch: pytest.MonkeyPatch
) -> None:
    from tukiverkko.platform.notifications import load_kinds
    from tukiverkko.workers import scheduled

    load_kinds()
    # The notification tasks (other areas' tasks have their own tests and tables).
    ours = {
        "training_reminders", "interview_reminders", "event_reminders", "supervision_reminders",
        "background_check_expiry", "licence_conditions_open", "cadence_warnings",
        "outbox_retention",
    }  # fmt: skip
    assert ours <= set(scheduled.DAILY_TASKS)
    core = {k: v for k, v in scheduled.DAILY_TASKS.items() if k in ours}
    monkeypatch.setattr(scheduled, "DAILY_TASKS", core)
    org = make_org(database)
    _set_up_tomorrow(database, org)
    first = scheduled.daily_scan()
    assert set(first.values()) == {"ok"} and "training_reminders" in first
    after_first = len(smtp.messages)
    assert after_first >= 6
    scheduled.daily_scan()
    assert len(smtp.messages) == after_first


def test_reminder_dates_follow_the_finnish_calendar_day() -> None:
    start, end = notices.tomorrow(date(2026, 3, 28))  # the night clocks go forward
    assert start == datetime(2026, 3, 28, 22, 0, tzinfo=UTC)
    assert end == datetime(2026, 3, 29, 21, 0, tzinfo=UTC)


def test_a_booked_interview_is_reminded_the_day_before(
    app: Flask, client: FlaskClient, database: Database, smtp: SmtpSink
) -> None:
    from tests.factories import token_for

    org = make_org(database)
    programme_id = make_programme(database, org)
    applicant = make_volunteer(
        database, org, programme_id, email="hakija@example.fi", languages=["en"]
    )
    coordinator = token_for(client, org, Role.COORDINATOR)
    url = f"/api/v1/volunteers/{applicant}/interview"
    past = client.put(url, json={"at": "2020-01-01T10:00:00+02:00"}, headers=coordinator)
    assert past.status_code == 422 and past.json["code"] == "interview_in_past"
    booked = client.put(url, json={"at": TOMORROW_18.isoformat()}, headers=coordinator)
    assert booked.status_code == 200, booked.text
    volunteer = token_for(client, org, Role.VOLUNTEER)  # not theirs to book
    assert client.put(url, json={"at": None}, headers=volunteer).status_code in (403, 404)
    with app.app_context():
        assert notices.send_interview_reminders(TODAY) == 1
        assert notices.send_interview_reminders(TODAY) == 0
    (reminder,) = [m for m in smtp.messages if m["To"] == "hakija@example.fi"]
    assert "interview tomorrow" in str(reminder["Subject"])
    assert client.get(url, headers=coordinator).json["at"] is not None


def test_a_big_audience_finds_its_opt_outs_in_one_query(ctx: None, database: Database) -> None:
    from tukiverkko.platform.notifications import Channel, _opted_out, set_preference

    org = make_org(database)
    volunteer = org.people[Role.VOLUNTEER]
    with context.bind(tenant_id=org.id), database.unit_of_work() as s:
        set_preference(s, volunteer, "announcement", Channel.EMAIL, False)
    audience = [uuid.uuid4() for _ in range(700)] + [volunteer]
    with context.bind(tenant_id=org.id), database.unit_of_work() as s:
        assert _opted_out(s, "announcement", Channel.EMAIL, audience) == {volunteer}
        assert _opted_out(s, "announcement", Channel.IN_APP, audience) == set()
        assert _opted_out(s, "announcement", Channel.EMAIL, audience[:700]) == set()
