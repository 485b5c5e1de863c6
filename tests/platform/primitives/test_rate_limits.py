"""Anonymous forms are rate-limited per client address and organisation; refusals write nothing."""

from __future__ import annotations

from datetime import timedelta

from flask.testing import FlaskClient
from sqlalchemy import func, select

from tests.factories import make_org
from tests.platform.primitives.support import in_tenant, make_programme
from tests.platform.primitives.test_public_intake import open_participant_form
from tukiverkko.platform.db import Database, utcnow
from tukiverkko.platform.identity import throttle
from tukiverkko.platform.primitives import rate_limits
from tukiverkko.platform.primitives.models import Participant, Volunteer

VOLUNTEER = {
    "name": "Ville Vapaaehtoinen",
    "email": "ville@example.org",
    "consent_processing": True,
    "consent_background_check": True,
    "background_check_notice_acknowledged": True,
}
PARTICIPANT = {
    "source": "guardian",
    "kind": "child",
    "applicant_name": "Anna Äiti",
    "name": "Eetu",
    "contact_phone": "+358401234567",
    "consent_processing": True,
}


def test_the_counter_allows_the_limit_per_window_then_says_how_long_to_wait(
    database: Database,
) -> None:
    now = utcnow()
    window = timedelta(hours=1)
    with database.unit_of_work() as db:
        waits = [
            throttle.count_request(db, "form:x:k", now, limit=3, window=window) for _ in range(4)
        ]
        assert waits[:3] == [0, 0, 0] and waits[3] == 3600
        later = now + timedelta(minutes=59)
        assert throttle.count_request(db, "form:x:k", later, limit=3, window=window) == 60
        # A new window starts afresh; another key is counted apart.
        assert throttle.count_request(db, "form:x:k", now + window, limit=3, window=window) == 0
        assert throttle.count_request(db, "form:x:other", now, limit=3, window=window) == 0


def _count(database: Database, org, model) -> int:  # type: ignore[no-untyped-def]
    with in_tenant(database, org) as db:
        return int(db.scalar(select(func.count()).select_from(model)) or 0)


def test_api_anonymous_applications_get_429_with_retry_after_and_nothing_written(
    client: FlaskClient, database: Database
) -> None:
    org, other = make_org(database), make_org(database)
    programme_id = open_participant_form(database, org, make_programme(database, org))
    other_programme = make_programme(database, other)
    base = f"/api/v1/public/{org.slug}/programmes/{programme_id}"
    for n in range(rate_limits.LIMIT):
        sent = client.post(
            f"{base}/volunteer-applications", json={**VOLUNTEER, "email": f"v{n}@example.org"}
        )
        assert sent.status_code == 201, sent.text
    over = client.post(f"{base}/volunteer-applications", json=VOLUNTEER)
    assert over.status_code == 429, over.text
    assert over.json["code"] == "too_many_requests"
    assert over.mimetype == "application/problem+json"
    assert 0 < int(over.headers["Retry-After"]) <= 3600
    assert _count(database, org, Volunteer) == rate_limits.LIMIT  # the refused one wrote nothing
    # Another address is not held back, nor is another organisation's form.
    elsewhere = client.post(
        f"{base}/volunteer-applications", json=VOLUNTEER, environ_base={"REMOTE_ADDR": "192.0.2.7"}
    )
    assert elsewhere.status_code == 201
    other_url = f"/api/v1/public/{other.slug}/programmes/{other_programme}/volunteer-applications"
    assert client.post(other_url, json=VOLUNTEER).status_code == 201
    # The participant form is limited the same way.
    for _ in range(rate_limits.LIMIT):
        assert client.post(f"{base}/participant-applications", json=PARTICIPANT).status_code == 201
    refused = client.post(f"{base}/participant-applications", json=PARTICIPANT)
    assert refused.status_code == 429 and "Retry-After" in refused.headers
    assert _count(database, org, Participant) == rate_limits.LIMIT
