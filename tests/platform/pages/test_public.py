"""Public pages: a partner's programme page and its application forms, without sign-in."""

from __future__ import annotations

from flask.testing import FlaskClient
from sqlalchemy import select

from tests.factories import csrf_token, make_org
from tests.platform.primitives.support import in_tenant, make_programme
from tukiverkko.platform.db import Database
from tukiverkko.platform.primitives.models import (
    Consent,
    ConsentPurpose,
    IntakeSource,
    Participant,
    Programme,
    Volunteer,
)
from tukiverkko.tenants.models import TenantKind


def _programme(database: Database):  # type: ignore[no-untyped-def]
    org = make_org(database)
    pid = make_programme(database, org)
    open_for_participants(database, org, pid)
    return org, pid


def open_for_participants(database: Database, org, pid) -> None:  # type: ignore[no-untyped-def]
    """Open the public participant form (a setting of its own, off by default)."""
    with in_tenant(database, org) as db:
        programme = db.get(Programme, pid)
        assert programme is not None
        programme.accepts_participant_applications = True


def test_programme_page_says_what_it_is_and_how_to_apply(
    client: FlaskClient, database: Database
) -> None:
    org, pid = _programme(database)
    page = client.get(f"/t/{org.slug}/public/programmes/{pid}?lang=en")
    assert page.status_code == 200
    assert "Mieskaverit Turku" in page.text
    assert "®" in page.text  # the model's registered name
    assert "criminal record" in page.text  # the check is announced to volunteers
    assert f"/t/{org.slug}/privacy" in page.text
    assert f"/t/{org.slug}/public/programmes/{pid}/apply" in page.text
    listing = client.get(f"/t/{org.slug}/public/")
    assert f"/t/{org.slug}/public/programmes/{pid}" in listing.text


def test_a_mother_asks_for_a_buddy_for_her_son(client: FlaskClient, database: Database) -> None:
    org, pid = _programme(database)
    url = f"/t/{org.slug}/public/programmes/{pid}/apply"
    form = client.get(url + "?lang=en")
    resp = client.post(
        url,
        data={
            "csrf_token": csrf_token(form.text),
            "name": "Eetu",
            "birth_year": "2016",
            "postcode": "20100",
            "interests": "football, lego",
            "contact_name": "Anna Äiti",
            "contact_phone": "+358401234567",
            "contact_email": "anna@example.org",
            "consent_processing": "y",
        },
    )
    assert resp.status_code == 302
    thanks = client.get(resp.headers["Location"])
    assert "What happens next" in thanks.text
    with in_tenant(database, org) as db:
        child = db.scalars(select(Participant)).one()
        assert (child.name, child.intake_source) == ("Eetu", IntakeSource.GUARDIAN)
        assert child.interests == ["football", "lego"]
        consent = db.scalars(select(Consent).where(Consent.subject_id == child.id)).one()
        assert (consent.purpose, consent.given_by) == (ConsentPurpose.PROCESSING, "Anna Äiti")


def test_a_volunteer_applies_with_consent_to_the_check(
    client: FlaskClient, database: Database
) -> None:
    org, pid = _programme(database)
    url = f"/t/{org.slug}/public/programmes/{pid}/volunteer"
    form = client.get(url)
    data = {
        "csrf_token": csrf_token(form.text),
        "name": "Matti Mies",
        "email": "matti@example.org",
        "consent_processing": "y",
    }
    # Without acknowledging the check: refused, typed values kept.
    refused = client.post(url + "?lang=en", data=data)
    assert refused.status_code == 422
    assert 'value="Matti Mies"' in refused.text
    assert "criminal-record extract" in refused.text
    ok = client.post(
        url,
        data={**data, "background_check_notice_acknowledged": "y", "consent_background_check": "y"},
    )
    assert ok.status_code == 302
    with in_tenant(database, org) as db:
        volunteer = db.scalars(select(Volunteer)).one()
        purposes = set(
            db.scalars(select(Consent.purpose).where(Consent.subject_id == volunteer.id))
        )
    assert purposes == {ConsentPurpose.PROCESSING, ConsentPurpose.BACKGROUND_CHECK}


def test_form_errors_in_finnish_swedish_and_english_keep_typed_values(
    client: FlaskClient, database: Database
) -> None:
    org, pid = _programme(database)
    url = f"/t/{org.slug}/public/programmes/{pid}/apply"
    expected = {"fi": "Pakollinen", "sv": "obligatoriskt", "en": "This field is required."}
    for lang, words in expected.items():
        form = client.get(f"{url}?lang={lang}")
        resp = client.post(
            f"{url}?lang={lang}",
            data={"csrf_token": csrf_token(form.text), "name": "", "contact_name": "Anna Äiti",
                  "postcode": "123"},
        )  # fmt: skip
        assert resp.status_code == 422
        assert words in resp.text, lang
        assert 'value="Anna Äiti"' in resp.text and 'value="123"' in resp.text
        assert 'aria-invalid="true"' in resp.text


def test_no_public_pages_for_other_kinds_of_organisation_or_closed_programmes(
    client: FlaskClient, database: Database
) -> None:
    owner = make_org(database, kind=TenantKind.MODEL_OWNER, roles=())
    assert client.get(f"/t/{owner.slug}/public/").status_code == 404
    org = make_org(database)
    closed = make_programme(database, org, accepts_applications=False)
    assert client.get(f"/t/{org.slug}/public/programmes/{closed}").status_code == 404
    # Another partner's programme under this slug: 404, not its page.
    _, other = _programme(database)
    assert client.get(f"/t/{org.slug}/public/programmes/{other}").status_code == 404


def test_the_mother_must_leave_a_way_to_call_her_back(
    client: FlaskClient, database: Database
) -> None:
    org, pid = _programme(database)
    url = f"/t/{org.slug}/public/programmes/{pid}/apply"
    form = client.get(url)
    resp = client.post(
        url + "?lang=en",
        data={"csrf_token": csrf_token(form.text), "name": "Eetu", "contact_name": "Anna Äiti",
              "consent_processing": "y"},
    )  # fmt: skip
    assert resp.status_code == 422
    assert "phone number or an email address" in resp.text and 'value="Anna Äiti"' in resp.text
    with in_tenant(database, org) as db:
        assert db.scalars(select(Participant)).all() == []
