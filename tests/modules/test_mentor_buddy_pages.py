"""Mieskaverit®'s section of the coordinator's volunteer page, a module page through the plugin
contract: the coordinator records the volunteer's gender and year of birth; errors keep what was
typed, in the reader's language; other programmes' volunteers are not asked."""

from __future__ import annotations

from flask.testing import FlaskClient
from sqlalchemy import select

from tests.factories import csrf_token, make_org, sign_in_web
from tests.platform.primitives.support import in_tenant, make_programme, make_volunteer
from tukiverkko.modules.mentor_buddy.models import Gender, VolunteerFacts
from tukiverkko.platform.db import Database, utcnow
from tukiverkko.platform.identity.models import Role

HEADING = "Mieskaverit®: gender and age"


def test_the_coordinator_records_the_facts_on_the_volunteer_page(
    client: FlaskClient, database: Database
) -> None:
    org = make_org(database)
    vid = make_volunteer(database, org, make_programme(database, org), name="Matti Mies")
    sign_in_web(client, org, Role.COORDINATOR)
    url = f"/t/{org.slug}/work/volunteers/{vid}"
    page = client.get(url + "?lang=en")
    assert HEADING in page.text and f'action="{url}/facts"' in page.text
    token = csrf_token(page.text)

    # Invalid: the page again (422) in the reader's language, with what was typed.
    missing = client.post(
        f"{url}/facts?lang=sv", data={"csrf_token": token, "gender": "woman", "birth_year": ""}
    )
    assert missing.status_code == 422 and "obligatoriskt" in missing.text
    assert '<option selected value="woman">' in missing.text
    future = str(utcnow().year + 1)
    refused = client.post(
        f"{url}/facts?lang=en", data={"csrf_token": token, "gender": "man", "birth_year": future}
    )
    assert refused.status_code == 422 and f'value="{future}"' in refused.text
    with in_tenant(database, org) as db:
        assert db.scalars(select(VolunteerFacts)).all() == []

    saved = client.post(
        f"{url}/facts",
        data={"csrf_token": token, "gender": "man", "birth_year": "1980", "adult_confirmed": "y"},
    )
    assert saved.status_code == 302 and saved.headers["Location"].endswith(url)
    shown = client.get(url + "?lang=en")
    assert "The details are saved." in shown.text and 'value="1980"' in shown.text
    with in_tenant(database, org) as db:
        facts = db.scalars(select(VolunteerFacts)).one()
        assert (facts.gender, facts.birth_year) == (Gender.MAN, 1980)


def test_other_programmes_and_organisations_are_not_asked(
    client: FlaskClient, database: Database
) -> None:
    org, other = make_org(database), make_org(database)
    line = make_programme(database, org, module_key="mens_peer_groups", name="MIESluuri")
    not_buddy = make_volunteer(database, org, line)
    theirs = make_volunteer(database, other, make_programme(database, other))
    sign_in_web(client, org, Role.COORDINATOR)
    url = f"/t/{org.slug}/work/volunteers/{not_buddy}"
    page = client.get(url + "?lang=en")
    assert page.status_code == 200 and HEADING not in page.text
    token = csrf_token(page.text)
    body = {"csrf_token": token, "gender": "man", "birth_year": "1980"}
    wrong = client.post(f"{url}/facts?lang=en", data=body)
    assert wrong.status_code == 422 and "not a Mieskaverit" in wrong.text
    elsewhere = client.post(f"/t/{org.slug}/work/volunteers/{theirs}/facts", data=body)
    assert elsewhere.status_code == 404
    # A volunteer may not record them.
    sign_in_web(client, org, Role.VOLUNTEER)
    assert client.post(f"{url}/facts", data=body).status_code == 403
    for tenant in (org, other):
        with in_tenant(database, tenant) as db:
            assert db.scalars(select(VolunteerFacts)).all() == []
