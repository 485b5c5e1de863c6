"""The lists of data protection run a constant number of SQL queries, whatever a page holds."""

from __future__ import annotations

from datetime import date, timedelta

from flask.testing import FlaskClient
from sqlalchemy import event

from tests.factories import make_org, token_for
from tukiverkko.platform import context
from tukiverkko.platform.db import Database
from tukiverkko.platform.identity.models import Role
from tukiverkko.platform.privacy.models import (
    ExportStatus,
    PrivacyRequest,
    RequestKind,
    RequestStatus,
    SubjectType,
    TenantExport,
)

LISTS = (
    "/api/v1/privacy/requests?limit={n}",
    "/api/v1/privacy/requests?status=closed&limit={n}",
    "/api/v1/privacy/tenant-exports?limit={n}",
)


def _grow(database: Database, org_id, admin, n: int) -> None:  # type: ignore[no-untyped-def]
    with context.bind(tenant_id=org_id), database.unit_of_work() as db:
        for i in range(n):
            for status in (RequestStatus.OPEN, RequestStatus.COMPLETED):
                db.add(
                    PrivacyRequest(
                        kind=RequestKind.ACCESS,
                        subject_type=SubjectType.USER,
                        subject_id=admin,
                        received_on=date.today() - timedelta(days=i),
                        due_on=date.today() - timedelta(days=i) + timedelta(days=30),
                        status=status,
                        recorded_by=admin,
                    )
                )
            db.add(
                TenantExport(
                    status=ExportStatus.READY,
                    requested_by=admin,
                    storage_key=f"exports/{org_id}/{i}.zip",
                    size=1,
                    error="",
                )
            )


def test_lists_run_the_same_number_of_queries_for_3_and_30_rows(
    client: FlaskClient, database: Database
) -> None:
    org = make_org(database)
    admin = org.people[Role.TENANT_ADMIN]
    headers = token_for(client, org, Role.TENANT_ADMIN)
    statements: list[str] = []

    def count(conn, cursor, statement, parameters, ctx, executemany):  # type: ignore[no-untyped-def]
        statements.append(statement)

    def measure(n: int) -> list[int]:
        out = []
        for url in LISTS:
            statements.clear()
            resp = client.get(url.format(n=n), headers=headers)
            assert resp.status_code == 200, resp.text
            assert len(resp.json["items"]) == n
            out.append(len(statements))
        return out

    _grow(database, org.id, admin, 30)
    event.listen(database.engine, "before_cursor_execute", count)
    try:
        assert measure(3) == measure(30)
    finally:
        event.remove(database.engine, "before_cursor_execute", count)
