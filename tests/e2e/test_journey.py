"""End to end in a real browser: from a mother's application to a logged meeting.

The app runs for real (werkzeug's threaded server on a free loopback port,
on its own SQLite database); Debian's Chromium is driven by Playwright:

1. a mother applies on the public page for a buddy for her son (Mieskaverit®);
2. the coordinator signs in, sees the application, records the interview,
   the volunteer's background check (only "shown" and the issue date), his
   training attendance and completion, approves him, opens the ranked
   suggestions, proposes him and records that the mother accepted;
3. the volunteer signs in, accepts the offer and logs a meeting from the
   quick form;
4. the model owner's staff see the partner's counts change.

A screenshot of each step goes to `test-artifacts/e2e/`.
"""

from __future__ import annotations

import os
import shutil
import threading
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from werkzeug.serving import make_server

from tests.conftest import base_settings, fresh_database
from tests.factories import (
    PASSWORD,
    Org,
    make_licence,
    make_model_owner,
    make_org,
    make_programme_model,
)
from tests.platform.primitives.support import (
    activate_match,
    in_tenant,
    make_participant,
    make_programme,
    make_volunteer,
)
from tukiverkko.platform.db import Database, utcnow
from tukiverkko.platform.identity.models import Role
from tukiverkko.platform.primitives import matching, training
from tukiverkko.platform.primitives.models import Participant, Programme, Volunteer
from tukiverkko.platform.primitives.models_followup import MeetingKind, MeetingLog

CHROMIUM = Path(os.environ.get("TUKIVERKKO_CHROMIUM", "/usr/bin/chromium"))
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "e2e"

if not CHROMIUM.exists() and os.geteuid() != 0:
    # CI runs as root and installs chromium (infra/dev/ensure-test-deps.sh): it never skips.
    pytest.skip(
        f"Chromium is not installed at {CHROMIUM}: apt-get install chromium",
        allow_module_level=True,
    )

from playwright import sync_api  # noqa: E402  (a dev dependency: missing means a broken setup)

pytestmark = pytest.mark.slow


@pytest.fixture
def live(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[tuple[Any, str]]:
    """The app served on a free loopback port, with its own migrated SQLite database."""
    from tukiverkko.platform.app import create_app

    settings = base_settings(tmp_path, **fresh_database("sqlite", request, tmp_path))
    app = create_app(settings)
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield app, f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join(timeout=10)
    app.extensions["tukiverkko.db"].dispose()


def _seed(database: Database) -> dict[str, Any]:
    """A model owner, a licensed partner running Mieskaverit®, a course and an applicant."""
    owner = make_model_owner(database)
    model_id = make_programme_model(database, owner, module_key="mentor_buddy", name="Mieskaverit®")
    partner = make_org(database)
    make_licence(database, model_id, partner, status="active", satisfied=True)
    programme_id = make_programme(database, partner, name="Mieskaverit Turku")
    with in_tenant(database, partner) as db:
        programme = db.get(Programme, programme_id)
        assert programme is not None
        programme.accepts_participant_applications = True
        course = training.create_curriculum(
            db, programme, name="Mieskaverikurssi", description="", hours=15
        )
        training.create_session(
            db, course, starts_at=utcnow() - timedelta(days=3), location="Turku", capacity=12
        )
    # The volunteer applied earlier (his own application is tested on the public page tests).
    make_volunteer(
        database,
        partner,
        programme_id,
        linked=True,
        name="Matti Mies",
        postcode="20100",
        interests=["football"],
        availability=["sat_morning"],
    )
    _earlier_matches(database, partner, programme_id, count=5)
    return {"owner": owner, "partner": partner, "programme_id": programme_id}


def _earlier_matches(database: Database, partner: Org, programme_id: Any, *, count: int) -> None:
    """Matches already running, each with a meeting this week.

    The owner sees counts under 5 as "<5"; with five of each before the journey,
    its own match and meeting show as a change from 5 to 6.
    """
    coordinator = partner.people[Role.COORDINATOR]
    for n in range(count):
        volunteer_id = make_volunteer(database, partner, programme_id, approved=True)
        participant_id = make_participant(database, partner, programme_id, name=f"Lapsi {n}")
        with in_tenant(database, partner) as db:
            programme = db.get(Programme, programme_id)
            match = matching.propose(
                db,
                programme,
                db.get(Participant, participant_id),
                db.get(Volunteer, volunteer_id),
                actor_id=coordinator,
            )
            match_id = match.id
        activate_match(database, partner, match_id, days_ago=60)
        with in_tenant(database, partner) as db:
            db.add(
                MeetingLog(
                    match_id=match_id,
                    volunteer_id=volunteer_id,
                    met_on=utcnow().date() - timedelta(days=2),
                    minutes=60,
                    kind=MeetingKind.MEETING,
                    logged_by=coordinator,
                )
            )


def _sign_in(page: Any, base: str, org: Org, role: Role) -> None:
    page.goto(f"{base}/t/{org.slug}/login?lang=en")
    page.fill("#email", org.emails[role])
    page.fill("#password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{base}/t/{org.slug}/")
    # Signing in switches to the person's own language (Finnish); this journey reads English.
    page.goto(f"{base}/t/{org.slug}/?lang=en")


def _submit(page: Any, action_suffix: str) -> None:
    """Press the button of the form whose action ends with `action_suffix`, wait for the page."""
    with page.expect_navigation():
        page.locator(f"form[action$='{action_suffix}'] button[type=submit]").first.click()


def _notice(page: Any) -> str:
    return page.locator("main").inner_text()


def _owner_counts(page: Any, base: str, owner: Org, partner: Org) -> dict[str, str]:
    page.goto(f"{base}/t/{owner.slug}/owner/partners?lang=en")
    row = page.locator(f"tr[data-partner='{partner.slug}']")
    return {
        name: row.locator(f"td[data-figure='{name}']").inner_text().strip()
        for name in ("active_matches", "meetings_last_90_days")
    }


def test_from_a_mothers_application_to_a_logged_meeting(live: tuple[Any, str]) -> None:
    app, base = live
    seeded = _seed(app.extensions["tukiverkko.db"])
    owner, partner = seeded["owner"], seeded["partner"]
    slug = partner.slug
    shutil.rmtree(ARTIFACTS, ignore_errors=True)
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    shots = iter(range(1, 100))

    def shot(page: Any, name: str) -> None:
        page.screenshot(path=str(ARTIFACTS / f"{next(shots):02d}-{name}.png"), full_page=True)

    with sync_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=["--no-sandbox"])
        phone = {"viewport": {"width": 390, "height": 844}, "locale": "en-GB"}
        try:
            # 0. The model owner's figures before.
            owner_page = browser.new_context(**phone).new_page()
            _sign_in(owner_page, base, owner, Role.OWNER_STAFF)
            before = _owner_counts(owner_page, base, owner, partner)
            assert before == {"active_matches": "5", "meetings_last_90_days": "5"}
            shot(owner_page, "owner-before")

            # 1. A mother applies for a buddy for her son.
            mother = browser.new_context(**phone).new_page()
            mother.goto(f"{base}/t/{slug}/public/programmes/{seeded['programme_id']}?lang=en")
            assert "Mieskaverit®" in mother.content()
            shot(mother, "programme-page")
            mother.click("a[href$='/apply']")
            mother.fill("#name", "Eetu")
            mother.fill("#birth_year", "2016")
            mother.fill("#postcode", "20100")
            mother.fill("#interests", "football, lego")
            mother.fill("#contact_name", "Anna Äiti")
            mother.fill("#contact_phone", "+358 40 123 4567")
            mother.fill("#contact_email", "anna@example.org")
            mother.check("#consent_processing")
            shot(mother, "mother-form")
            with mother.expect_navigation():
                mother.click("form button[type=submit]")
            assert "/thanks/support" in mother.url
            assert "What happens next" in mother.content()
            shot(mother, "mother-thanks")

            # 2. The coordinator works through the queue.
            coord = browser.new_context(**phone).new_page()
            _sign_in(coord, base, partner, Role.COORDINATOR)
            queue = _notice(coord)
            assert "Eetu" in queue and "Matti Mies" in queue
            shot(coord, "coordinator-queue")
            with coord.expect_navigation():
                coord.click("a:has-text('Matti Mies')")
            coord.fill("#text", "Haastateltu: innostunut, kokenut valmentaja.")
            _submit(coord, "/interview")
            coord.select_option("#gender", "man")
            coord.fill("#birth_year", "1985")
            coord.check("#adult_confirmed")
            _submit(coord, "/facts")
            coord.check("#shown")
            coord.fill("#extract_issued_on", (utcnow().date() - timedelta(days=14)).isoformat())
            _submit(coord, "/check")
            assert "The background check is recorded." in _notice(coord)
            shot(coord, "background-check")
            _submit(coord, "/enrol")
            _submit(coord, "/attendance")
            _submit(coord, "/complete")
            assert "The training is marked done." in _notice(coord)
            _submit(coord, "/approve")
            assert "The volunteer is approved." in _notice(coord)
            shot(coord, "volunteer-approved")

            coord.goto(f"{base}/t/{slug}/work/?lang=en")
            with coord.expect_navigation():
                coord.click("a:has-text('Eetu')")
            with coord.expect_navigation():
                coord.click("a[href$='/suggestions']")
            suggestions = _notice(coord)
            assert "Matti Mies" in suggestions and "football" in suggestions
            shot(coord, "suggestions")
            with coord.expect_navigation():  # propose the first (best) suggestion
                coord.locator("form[action*='/propose/'] button").first.click()
            coord.fill("#given_by", "Anna Äiti")
            _submit(coord, "/participant-accept")
            assert "The family has accepted." in _notice(coord)
            shot(coord, "family-accepted")

            # 3. The volunteer accepts and logs a meeting from his phone.
            vol = browser.new_context(**phone).new_page()
            _sign_in(vol, base, partner, Role.VOLUNTEER)
            shot(vol, "volunteer-start")
            with vol.expect_navigation():
                vol.click("a[href*='/me/matches/']")
            _submit(vol, "/accept")
            assert "anna@example.org" in vol.content()  # contacts once both accepted
            assert vol.input_value("#met_on") == utcnow().date().isoformat()
            vol.fill("#minutes", "120")
            vol.select_option("#kind", "outing")
            with vol.expect_navigation():
                vol.click("form.wa-quick button[type=submit]")
            assert "The meeting is logged." in _notice(vol)
            shot(vol, "meeting-logged")

            # 4. The model owner sees the partner's counts change.
            after = _owner_counts(owner_page, base, owner, partner)
            assert after == {"active_matches": "6", "meetings_last_90_days": "6"}
            shot(owner_page, "owner-after")
        finally:
            browser.close()
    assert len(list(ARTIFACTS.glob("*.png"))) >= 10
