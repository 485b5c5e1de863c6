"""The coordinator's pages: the work queue, volunteer and participant records, matching."""

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
from tukiverkko.platform.primitives import training
from tukiverkko.platform.primitives.models import (
    BackgroundCheck,
    Match,
    MatchStatus,
    ParticipantNote,
    Programme,
    Volunteer,
    VolunteerStatus,
)


def _setup(database: Database):  # type: ignore[no-untyped-def]
    org = make_org(database)
    pid = make_programme(database, org)
    with in_tenant(database, org) as db:
        programme = db.get(Programme, pid)
        assert programme is not None
        curriculum = training.create_curriculum(db, programme, name="Mieskaverikurssi",
                                                description="", hours=15)  # fmt: skip
        session = training.create_session(
            db, curriculum, starts_at=utcnow() - timedelta(days=2), location="Turku", capacity=9
        )
        ids = {"curriculum": curriculum.id, "session": session.id}
    return org, pid, ids


def test_the_volunteer_journey_on_the_record_page(client: FlaskClient, database: Database) -> None:
    org, pid, ids = _setup(database)
    vid = make_volunteer(database, org, pid, name="Matti Mies", postcode="20100")
    sign_in_web(client, org, Role.COORDINATOR)
    queue = client.get(f"/t/{org.slug}/work/?lang=en")
    assert "Matti Mies" in queue.text and "waiting for an interview" in queue.text
    url = f"/t/{org.slug}/work/volunteers/{vid}"
    page = client.get(url + "?lang=en")
    token = csrf_token(page.text)
    # The check form offers nothing to type but "shown" and the issue date.
    check_form = page.text.split('action="' + url + '/check"')[1].split("</form>")[0]
    assert {"shown", "extract_issued_on", "csrf_token"} == set(
        part.split('"')[0] for part in check_form.split('name="')[1:]
    )
    steps = [
        ("interview", {"text": "Hyvä haastattelu."}),
        ("facts", {"gender": "man", "birth_year": "1980", "adult_confirmed": "y"}),
        (
            "check",
            {"shown": "y", "extract_issued_on": (utcnow().date() - timedelta(days=10)).isoformat()},
        ),
        ("enrol", {"session_id": str(ids["session"])}),
    ]
    for path, data in steps:
        resp = client.post(f"{url}/{path}", data={"csrf_token": token, **data})
        assert resp.status_code == 302, (path, resp.text[:3000])
    with in_tenant(database, org) as db:
        enrolment_id = db.scalars(select(training.Enrolment.id)).one()
        check = db.scalars(select(BackgroundCheck)).one()
        assert check.seen_by == org.people[Role.COORDINATOR]
    client.post(f"/t/{org.slug}/work/training/enrolments/{enrolment_id}/attendance",
                data={"csrf_token": token, "attended": "1"})  # fmt: skip
    client.post(f"{url}/training/{ids['curriculum']}/complete", data={"csrf_token": token})
    client.post(f"{url}/approve", data={"csrf_token": token})
    with in_tenant(database, org) as db:
        assert db.get(Volunteer, vid).status == VolunteerStatus.APPROVED  # type: ignore[union-attr]
    shown = client.get(url + "?lang=en")
    assert "Approved on" in shown.text and "Hyvä haastattelu." in shown.text


def test_check_form_errors_keep_input_and_speak_the_language(
    client: FlaskClient, database: Database
) -> None:
    org, pid, _ids = _setup(database)
    vid = make_volunteer(database, org, pid)
    sign_in_web(client, org, Role.COORDINATOR)
    url = f"/t/{org.slug}/work/volunteers/{vid}"
    token = csrf_token(client.get(url).text)
    old = (utcnow().date() - timedelta(days=400)).isoformat()
    too_old = client.post(f"{url}/check?lang=en", data={"csrf_token": token, "shown": "y",
                                                        "extract_issued_on": old})  # fmt: skip
    assert too_old.status_code == 422
    assert "older than this programme accepts" in too_old.text and f'value="{old}"' in too_old.text
    missing = client.post(f"{url}/check?lang=sv", data={"csrf_token": token, "shown": "y"})
    assert missing.status_code == 422 and "obligatoriskt" in missing.text
    with in_tenant(database, org) as db:
        assert db.scalars(select(BackgroundCheck)).all() == []


def test_matching_from_suggestions_to_an_active_match(
    client: FlaskClient, database: Database
) -> None:
    org, pid, _ids = _setup(database)
    vid = make_volunteer(database, org, pid, approved=True, linked=True, name="Matti Mies",
                         postcode="20100", interests=["football"])  # fmt: skip
    child = make_participant(database, org, pid, postcode="20100", interests=["football"])
    sign_in_web(client, org, Role.COORDINATOR)
    record = client.get(f"/t/{org.slug}/work/participants/{child}?lang=en")
    assert "See suggested volunteers" in record.text
    token = csrf_token(record.text)
    note = client.post(f"/t/{org.slug}/work/participants/{child}/notes",
                       data={"csrf_token": token, "text": "Isä ei ole kuvioissa."})  # fmt: skip
    assert note.status_code == 302
    page = client.get(f"/t/{org.slug}/work/participants/{child}/suggestions?lang=en")
    assert "Matti Mies" in page.text and "football" in page.text and "Why this score" in page.text
    client.post(f"/t/{org.slug}/work/participants/{child}/propose/{vid}",
                data={"csrf_token": token})  # fmt: skip
    with in_tenant(database, org) as db:
        match = db.scalars(select(Match)).one()
        match_id = match.id
    bad = client.post(f"/t/{org.slug}/work/matches/{match_id}/participant-accept?lang=fi",
                      data={"csrf_token": token, "given_by": ""})  # fmt: skip
    assert bad.status_code == 422 and "Pakollinen" in bad.text
    client.post(f"/t/{org.slug}/work/matches/{match_id}/participant-accept",
                data={"csrf_token": token, "given_by": "Anna Äiti"})  # fmt: skip
    with in_tenant(database, org) as db:
        match = db.get(Match, match_id)
        assert match is not None and match.participant_accepted_at is not None
        assert match.status == MatchStatus.PROPOSED  # the volunteer answers for himself
        assert db.scalars(select(ParticipantNote.text)).all() == ["Isä ei ole kuvioissa."]


def test_silent_matches_show_in_the_queue_oldest_first(
    client: FlaskClient, database: Database
) -> None:
    org, pid, _ids = _setup(database)
    from tukiverkko.platform.primitives import matching
    from tukiverkko.platform.primitives.models import Participant

    made = []
    for name, days in (("Uusi", 20), ("Vanha", 60)):
        vid = make_volunteer(database, org, pid, approved=True)
        child = make_participant(database, org, pid, name=name)
        with in_tenant(database, org) as db:
            m = matching.propose(db, db.get(Programme, pid), db.get(Participant, child),  # type: ignore[arg-type]
                                 db.get(Volunteer, vid), actor_id=org.people[Role.COORDINATOR])  # type: ignore[arg-type]  # fmt: skip
            made.append(m.id)
        activate_match(database, org, made[-1], days_ago=days)
    from datetime import timedelta

    from tukiverkko.platform.db import utcnow
    from tukiverkko.platform.primitives import followup
    from tukiverkko.platform.primitives.models_followup import MeetingKind

    with in_tenant(database, org) as db:  # Vanha met once of two expected, 25 days ago
        followup.log_meeting(
            db, db.get(Match, made[1]), met_on=utcnow().date() - timedelta(days=25), minutes=60,  # type: ignore[arg-type]
            kind=MeetingKind.MEETING, note="", logged_by=org.people[Role.COORDINATOR],
        )  # fmt: skip
    sign_in_web(client, org, Role.COORDINATOR)
    queue = client.get(f"/t/{org.slug}/work/?lang=en").text
    section = queue.split("below their meeting rhythm")[1]
    assert section.index("Vanha") < section.index("Uusi")
    # Counts read as words do: one meeting, many days (and so in Finnish and Swedish).
    assert "silent for 25 days, 1 meeting in 30 days (expected" in section
    assert "0 meetings in 30 days" in section
    finnish = client.get(f"/t/{org.slug}/work/?lang=fi").text
    assert "1 tapaaminen 30 päivässä" in finnish and "0 tapaamista 30 päivässä" in finnish
    swedish = client.get(f"/t/{org.slug}/work/?lang=sv").text
    assert "1 möte på 30 dagar" in swedish and "0 möten på 30 dagar" in swedish


def test_sensitive_notes_and_work_pages_are_not_for_volunteers(
    client: FlaskClient, database: Database
) -> None:
    org, pid, _ids = _setup(database)
    child = make_participant(database, org, pid)
    sign_in_web(client, org, Role.VOLUNTEER)
    for path in ("work/", f"work/participants/{child}", "work/volunteers", "work/events"):
        assert client.get(f"/t/{org.slug}/{path}").status_code in (403, 404), path


def test_supervision_group_session_and_attendance(client: FlaskClient, database: Database) -> None:
    org, pid, _ids = _setup(database)
    vid = make_volunteer(database, org, pid, approved=True, name="Matti Mies")
    sign_in_web(client, org, Role.COORDINATOR)
    url = f"/t/{org.slug}/work/supervision"
    token = csrf_token(client.get(f"/t/{org.slug}/work/events").text)  # one token per session
    group = {"group-csrf_token": token, "group-programme_id": str(pid), "group-name": "Ryhmä A"}
    started = client.post(url, data=group)
    assert started.status_code == 302
    from tukiverkko.platform.primitives.models_followup import (
        SupervisionAttendance,
        SupervisionGroup,
        SupervisionSession,
    )

    with in_tenant(database, org) as db:
        group_id = db.scalars(select(SupervisionGroup.id)).one()
    session = {"session-csrf_token": token, "session-group_id": str(group_id)}
    missing = client.post(url + "?lang=en", data=session)
    assert missing.status_code == 422 and "This field is required." in missing.text
    when = (utcnow() + timedelta(days=3)).strftime("%Y-%m-%dT18:00")
    client.post(url, data={**session, "session-starts_at": when, "session-location": "Turku"})
    group_url = f"/t/{org.slug}/work/supervision/groups/{group_id}"
    added = client.post(group_url, data={"csrf_token": token, "volunteer_id": str(vid)})
    assert added.status_code == 302
    with in_tenant(database, org) as db:
        session_id = db.scalars(select(SupervisionSession.id)).one()
    client.post(f"{url}/sessions/{session_id}/attendance/{vid}",
                data={"csrf_token": token, "attended": "1"})  # fmt: skip
    with in_tenant(database, org) as db:
        row = db.scalars(select(SupervisionAttendance)).one()
        assert (row.volunteer_id, row.attended) == (vid, True)
    assert "Matti Mies" in client.get(f"{url}/sessions/{session_id}").text


def test_an_events_places_read_as_words_do(client: FlaskClient, database: Database) -> None:
    from tukiverkko.platform.primitives import events
    from tukiverkko.platform.primitives.models_followup import EventKind

    org, pid, _ids = _setup(database)
    made = {}
    with in_tenant(database, org) as db:
        for places in (1, 12):
            made[places] = events.create_event(
                db, db.get(Programme, pid), kind=EventKind.OUTING, title=f"Retki {places}",  # type: ignore[arg-type]
                description="", starts_at=utcnow() + timedelta(days=7), location="Turku",
                capacity=places, created_by=org.people[Role.COORDINATOR],
            ).id  # fmt: skip
    sign_in_web(client, org, Role.COORDINATOR)
    for lang, one, many in (("en", "1 place", "12 places"), ("fi", "1 paikka", "12 paikkaa"),
                            ("sv", "1 plats", "12 platser")):  # fmt: skip
        assert one in client.get(f"/t/{org.slug}/work/events/{made[1]}?lang={lang}").text
        assert many in client.get(f"/t/{org.slug}/work/events/{made[12]}?lang={lang}").text
