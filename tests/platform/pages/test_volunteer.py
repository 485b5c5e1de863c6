"""The volunteer's own pages: profile, training, my match and its meetings, events, pause, quit."""

from __future__ import annotations

from datetime import timedelta

from flask.testing import FlaskClient
from sqlalchemy import select

from tests.factories import csrf_token, make_org, sign_in_web
from tests.platform.primitives.support import (
    activate_match,
    in_tenant,
    make_participant,
    make_programme,
    make_volunteer,
)
from tukiverkko.platform.db import Database, utcnow
from tukiverkko.platform.identity.models import Role
from tukiverkko.platform.primitives import events, matching, training
from tukiverkko.platform.primitives.models import (
    Enrolment,
    Match,
    Participant,
    Programme,
    Volunteer,
    VolunteerStatus,
)
from tukiverkko.platform.primitives.models_followup import Event, EventKind, MeetingLog


def _matched(database: Database, *, active: bool = True):  # type: ignore[no-untyped-def]
    """A volunteer (linked to the org's volunteer account) with a match."""
    org = make_org(database)
    pid = make_programme(database, org)
    vid = make_volunteer(database, org, pid, approved=True, linked=True, postcode="20100")
    child = make_participant(database, org, pid)
    with in_tenant(database, org) as db:
        programme = db.get(Programme, pid)
        match = matching.propose(
            db,
            programme,
            db.get(Participant, child),
            db.get(Volunteer, vid),
            actor_id=org.people[Role.COORDINATOR],
        )
        match_id = match.id
    if active:
        activate_match(database, org, match_id, days_ago=3)
    return org, pid, vid, match_id


def test_a_volunteer_logs_a_meeting_from_the_start_page(
    client: FlaskClient, database: Database
) -> None:
    org, _pid, vid, match_id = _matched(database)
    sign_in_web(client, org, Role.VOLUNTEER)
    start = client.get(f"/t/{org.slug}/?lang=en")
    assert "Log a meeting" in start.text and "Eetu" in start.text
    page = client.get(f"/t/{org.slug}/me/matches/{match_id}")
    assert utcnow().date().isoformat() in page.text  # the day defaults to today
    assert "anna@example.org" in page.text  # the family accepted: contact shown
    resp = client.post(
        f"/t/{org.slug}/me/matches/{match_id}",
        data={
            "csrf_token": csrf_token(page.text),
            "met_on": utcnow().date().isoformat(),
            "minutes": "90",
            "kind": "outing",
        },
    )
    assert resp.status_code == 302
    with in_tenant(database, org) as db:
        log = db.scalars(select(MeetingLog)).one()
        assert (log.minutes, log.volunteer_id) == (90, vid)
    # A day in the future: refused, the typed values stay.
    later = (utcnow().date() + timedelta(days=3)).isoformat()
    bad = client.post(
        f"/t/{org.slug}/me/matches/{match_id}?lang=en",
        data={"csrf_token": csrf_token(page.text), "met_on": later, "minutes": "45",
              "kind": "phone"},
    )  # fmt: skip
    assert bad.status_code == 422
    assert 'value="45"' in bad.text and f'value="{later}"' in bad.text


def test_a_proposed_match_is_accepted_and_contacts_wait_for_the_family(
    client: FlaskClient, database: Database
) -> None:
    org, _pid, _vid, match_id = _matched(database, active=False)
    sign_in_web(client, org, Role.VOLUNTEER)
    page = client.get(f"/t/{org.slug}/me/matches/{match_id}?lang=en")
    assert "Accept the match" in page.text
    assert "anna@example.org" not in page.text  # not before the family accepted
    resp = client.post(
        f"/t/{org.slug}/me/matches/{match_id}/accept", data={"csrf_token": csrf_token(page.text)}
    )
    assert resp.status_code == 302
    with in_tenant(database, org) as db:
        assert db.get(Match, match_id).volunteer_accepted_at is not None  # type: ignore[union-attr]


def test_profile_edit_keeps_input_on_errors_and_saves(
    client: FlaskClient, database: Database
) -> None:
    org, _pid, vid, _match = _matched(database)
    sign_in_web(client, org, Role.VOLUNTEER)
    form = client.get(f"/t/{org.slug}/me/profile")
    assert 'value="20100"' in form.text
    data = {
        "csrf_token": csrf_token(form.text),
        "name": "Matti Uusi",
        "email": "matti@example.org",
        "postcode": "2010",
        "languages": "fi, sv",
        "interests": "",
        "availability": ["mon_evening", "sat_morning"],
        "capacity": "2",
    }
    bad = client.post(f"/t/{org.slug}/me/profile?lang=sv", data=data)
    assert bad.status_code == 422 and 'value="Matti Uusi"' in bad.text
    ok = client.post(f"/t/{org.slug}/me/profile", data={**data, "postcode": "20200"})
    assert ok.status_code == 302
    with in_tenant(database, org) as db:
        v = db.get(Volunteer, vid)
        assert v is not None
        assert (v.name, v.postcode, v.languages, v.capacity) == ("Matti Uusi", "20200",
                                                                ["fi", "sv"], 2)  # fmt: skip
        assert set(v.availability) == {"mon_evening", "sat_morning"}


def test_training_enrolment_and_event_signup(client: FlaskClient, database: Database) -> None:
    org, pid, vid, _match = _matched(database)
    with in_tenant(database, org) as db:
        programme = db.get(Programme, pid)
        assert programme is not None
        curriculum = training.create_curriculum(db, programme, name="Peruskurssi", description="",
                                                hours=15)  # fmt: skip
        session = training.create_session(
            db, curriculum, starts_at=utcnow() + timedelta(days=7), location="Turku", capacity=5
        )
        event = events.create_event(
            db, programme, kind=EventKind.OUTING, title="Keilaus", description="",
            starts_at=utcnow() + timedelta(days=5), location="Turku", capacity=1,
            created_by=org.people[Role.COORDINATOR],
        )  # fmt: skip
        session_id, event_id = session.id, event.id
    sign_in_web(client, org, Role.VOLUNTEER)
    page = client.get(f"/t/{org.slug}/me/training")
    assert "Peruskurssi" in page.text
    client.post(
        f"/t/{org.slug}/me/training/sessions/{session_id}/enrol",
        data={"csrf_token": csrf_token(page.text)},
    )
    listing = client.get(f"/t/{org.slug}/me/events")
    assert "Keilaus" in listing.text
    client.post(
        f"/t/{org.slug}/me/events/{event_id}/signup", data={"csrf_token": csrf_token(page.text)}
    )
    with in_tenant(database, org) as db:
        assert db.scalars(select(Enrolment.volunteer_id)).all() == [vid]
        assert db.get(Event, event_id) is not None
        from tukiverkko.platform.primitives.models_followup import EventSignup

        assert db.scalars(select(EventSignup.volunteer_id)).all() == [vid]


def test_pause_and_quit_need_confirmation(client: FlaskClient, database: Database) -> None:
    org, _pid, vid, _match = _matched(database)
    sign_in_web(client, org, Role.VOLUNTEER)
    confirm = client.get(f"/t/{org.slug}/me/pause")
    assert confirm.status_code == 200
    client.post(f"/t/{org.slug}/me/pause", data={"csrf_token": csrf_token(confirm.text)})
    with in_tenant(database, org) as db:
        assert db.get(Volunteer, vid).status == VolunteerStatus.PAUSED  # type: ignore[union-attr]
    page = client.get(f"/t/{org.slug}/me/quit?lang=en")
    unconfirmed = client.post(
        f"/t/{org.slug}/me/quit?lang=en",
        data={"csrf_token": csrf_token(page.text), "reason": "Muutan pois"},
    )
    assert unconfirmed.status_code == 422 and "Muutan pois" in unconfirmed.text
    done = client.post(
        f"/t/{org.slug}/me/quit",
        data={"csrf_token": csrf_token(page.text), "confirm": "y", "reason": "Muutan pois"},
    )
    assert done.status_code == 302
    with in_tenant(database, org) as db:
        v = db.get(Volunteer, vid)
        assert v is not None and v.status == VolunteerStatus.ENDED
        assert db.get(Match, _match).status.value == "closed"  # type: ignore[union-attr]


def test_volunteer_pages_are_for_volunteers_and_their_own_things(
    client: FlaskClient, database: Database
) -> None:
    org, _pid, _vid, match_id = _matched(database)
    other_pid = make_programme(database, org, name="Toinen")
    other_vid = make_volunteer(database, org, other_pid, approved=True)
    other_child = make_participant(database, org, other_pid)
    with in_tenant(database, org) as db:
        others = matching.propose(
            db, db.get(Programme, other_pid), db.get(Participant, other_child),  # type: ignore[arg-type]
            db.get(Volunteer, other_vid), actor_id=org.people[Role.COORDINATOR],  # type: ignore[arg-type]
        )  # fmt: skip
        others_id = others.id
    sign_in_web(client, org, Role.VOLUNTEER)
    assert client.get(f"/t/{org.slug}/me/matches/{others_id}").status_code == 404
    assert client.get(f"/t/{org.slug}/work/").status_code == 403
    coordinator = client.application.test_client()
    sign_in_web(coordinator, org, Role.COORDINATOR)
    assert coordinator.get(f"/t/{org.slug}/me/").status_code == 403
    assert client.get(f"/t/{org.slug}/me/matches/{match_id}").status_code == 200
