"""The lists of this issue's additions run a constant number of queries (3 rows or 30).

Absences, volunteer changes and closing surveys (platform/primitives/api_journey.py),
and the owner's list of partner duties and the licence's reports (tenants/duties_api.py).
"""

from __future__ import annotations

import uuid
from datetime import timedelta

from flask.testing import FlaskClient
from sqlalchemy import event

from tests.factories import (
    make_licence,
    make_model_owner,
    make_org,
    make_programme_model,
    token_for,
)
from tests.platform.primitives.support import (
    in_tenant,
    make_participant,
    make_programme,
    make_volunteer,
)
from tukiverkko.platform.db import Database, utcnow
from tukiverkko.platform.identity.models import Role
from tukiverkko.platform.primitives.models import Match, MatchStatus
from tukiverkko.platform.primitives.models_followup import FeedbackForm, FormAudience, FormStatus
from tukiverkko.platform.primitives.models_reports import (
    ClosingSurveyOffer,
    SurveySide,
    VolunteerAbsence,
    VolunteerChange,
)
from tukiverkko.tenants.duties_models import ChangeKind, ChangeReport, ReportStatus, YearlyReport


def test_lists_run_the_same_number_of_queries_for_3_and_30_rows(
    client: FlaskClient, database: Database
) -> None:
    org = make_org(database)
    owner = make_model_owner(database)
    model_id = make_programme_model(database, owner)
    programme_id = make_programme(database, org)
    volunteer_id = make_volunteer(database, org, programme_id, approved=True, linked=True)
    participant_id = make_participant(database, org, programme_id)
    coordinator = org.people[Role.COORDINATOR]
    with in_tenant(database, org) as db:
        form = FeedbackForm(
            title="Loppukysely",
            questions=[{"key": "mood", "kind": "scale", "label": "?", "min": 1, "max": 5}],
            anonymous=False,
            audience=FormAudience.VOLUNTEERS,
            status=FormStatus.OPEN,
            created_by=coordinator,
        )
        db.add(form)
        db.flush()
        form_id = form.id
    first_licence = make_licence(database, model_id, org, status="active", satisfied=True)
    made = 0

    def grow_to(n: int) -> None:
        nonlocal made
        today = utcnow().date()
        for _ in range(n - made):
            partner = make_org(database, roles=(Role.TENANT_ADMIN,))
            licence_id = make_licence(database, model_id, partner, status="active")
            with database.unit_of_work() as db:
                db.add(
                    YearlyReport(licence_id=licence_id, year=2025, status=ReportStatus.SUBMITTED)
                )
                db.add(
                    ChangeReport(
                        licence_id=first_licence,
                        kind=ChangeKind.OTHER,
                        text="x",
                        effective_on=today,
                        reported_by=uuid.uuid4(),
                    )
                )
                db.add(
                    YearlyReport(
                        licence_id=first_licence, year=2000 + made, status=ReportStatus.SUBMITTED
                    )
                )
            with in_tenant(database, org) as db:
                match = Match(
                    programme_id=programme_id,
                    volunteer_id=volunteer_id,
                    participant_id=participant_id,
                    status=MatchStatus.CLOSED,
                    proposed_by=coordinator,
                    closed_at=utcnow(),
                )
                db.add(match)
                db.flush()
                db.add_all(
                    [
                        VolunteerAbsence(
                            volunteer_id=volunteer_id,
                            starts_on=today + timedelta(days=1),
                            ends_on=today + timedelta(days=2),
                            reported_by=coordinator,
                        ),
                        VolunteerChange(
                            volunteer_id=volunteer_id, fields=["phone"], reported_by=coordinator
                        ),
                        ClosingSurveyOffer(
                            match_id=match.id,
                            programme_id=programme_id,
                            form_id=form_id,
                            side=SurveySide.VOLUNTEER,
                            user_id=org.people[Role.VOLUNTEER],
                        ),
                    ]
                )
            made += 1

    staff = token_for(client, org, Role.COORDINATOR)
    volunteer = token_for(client, org, Role.VOLUNTEER)
    owner_staff = token_for(client, owner, Role.OWNER_STAFF)
    lists = [
        ("/api/v1/volunteer-absences", staff),
        ("/api/v1/volunteer-absences?current=true", volunteer),
        (f"/api/v1/volunteers/{volunteer_id}/absences", volunteer),
        ("/api/v1/volunteer-changes", staff),
        ("/api/v1/closing-surveys", staff),
        ("/api/v1/closing-surveys?answered=false", volunteer),
        (f"/api/v1/licences/{first_licence}/change-reports", owner_staff),
        (f"/api/v1/licences/{first_licence}/yearly-reports", owner_staff),
        (f"/api/v1/programme-models/{model_id}/partner-duties?year=2025", owner_staff),
    ]
    statements: list[str] = []

    def count(conn, cursor, statement, parameters, context, executemany):  # type: ignore[no-untyped-def]
        statements.append(statement)

    def measure(n: int) -> dict[str, int]:
        grow_to(n)
        counts = {}
        for url, headers in lists:
            statements.clear()
            resp = client.get(url, headers=headers)
            assert resp.status_code == 200, (url, resp.text)
            assert len(resp.json["items"]) >= n, url
            counts[url] = len(statements)
        return counts

    event.listen(database.engine, "before_cursor_execute", count)
    try:
        small, large = measure(3), measure(30)
    finally:
        event.remove(database.engine, "before_cursor_execute", count)
    assert small == large, {k: (small[k], large[k]) for k in small if small[k] != large[k]}
