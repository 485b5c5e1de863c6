"""Tenant export and exit: a round trip into an empty instance; closing, then deletion."""

from __future__ import annotations

import io
import json
import zipfile
from datetime import date, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select

from tests.conftest import base_settings, fresh_database
from tests.factories import make_org, token_for
from tests.platform.primitives.support import in_tenant
from tests.platform.privacy.support import NAME, seed
from tukiverkko.platform import context
from tukiverkko.platform.db import Base, Database, TenantOwned, utcnow
from tukiverkko.platform.identity.models import Role
from tukiverkko.platform.privacy import rights, tenant_export
from tukiverkko.platform.privacy.models import RequestKind, SubjectType, TenantExit
from tukiverkko.platform.privacy.subjects import Subject
from tukiverkko.platform.storage import make_storage
from tukiverkko.tenants.models import Tenant, TenantStatus


def counts_of(database: Database, tenant_id: Any) -> dict[str, int]:
    """Rows of the tenant in every tenant-owned table (core and modules), counted here."""
    from tukiverkko.platform.models import load_models

    load_models()
    owned = [m.local_table for m in Base.registry.mappers if issubclass(m.class_, TenantOwned)]
    with context.cross_tenant("test counts"), database.unit_of_work() as db:
        return {
            t.name: int(
                db.scalar(select(func.count()).select_from(t).where(t.c.tenant_id == tenant_id))
            )
            for t in owned
        }


def _download(client: FlaskClient, url: str) -> bytes:
    resp = client.get(urlsplit(url).path)
    assert resp.status_code == 200, resp.text
    return resp.data


def test_a_tenant_archive_imports_into_an_empty_instance_with_the_same_counts(
    app: Flask,
    client: FlaskClient,
    database: Database,
    backend: str,
    request: pytest.FixtureRequest,
    tmp_path: Path,
) -> None:
    s = seed(database)
    admin = s.org.people[Role.TENANT_ADMIN]
    storage = make_storage(app.config["TUKIVERKKO_SETTINGS"])
    with in_tenant(database, s.org) as db:  # a stored file of the tenant
        req = rights.record_request(
            db,
            tenant_id=s.org.id,
            kind=RequestKind.ACCESS,
            subject=Subject(SubjectType.VOLUNTEER, s.volunteer_id),
            received_on=date.today(),
            recorded_by=admin,
        )
        rights.fulfil_access(db, storage, req, tenant_id=s.org.id, handled_by=admin)

    headers = token_for(client, s.org, Role.TENANT_ADMIN)
    resp = client.post("/api/v1/privacy/tenant-exports", headers=headers)
    assert resp.status_code == 202, resp.text
    assert resp.json["status"] == "ready"
    listed = client.get("/api/v1/privacy/tenant-exports", headers=headers).json["items"]
    assert [e["id"] for e in listed] == [resp.json["id"]]
    archive = _download(client, resp.json["download_url"])
    expected = counts_of(database, s.org.id)
    manifest = json.loads(zipfile.ZipFile(io.BytesIO(archive)).read("manifest.json"))
    assert manifest["files"] == 2
    assert sum(expected.values()) > 40

    # An empty instance of its own (same backend), loaded by the command line.
    other_dir = tmp_path / "other"
    other_dir.mkdir()
    from tukiverkko.platform.app import create_app

    empty = create_app(base_settings(other_dir, **fresh_database(backend, request, other_dir)))
    try:
        path = tmp_path / "archive.zip"
        path.write_bytes(archive)
        from tukiverkko.platform.cli import privacy_import_tenant

        result = empty.test_cli_runner().invoke(privacy_import_tenant, [str(path)])
        assert result.exit_code == 0, result.output
        got = counts_of(empty.extensions["tukiverkko.db"], s.org.id)
        # The import itself is audited: one event more.
        assert got == {**expected, "audit_events": expected["audit_events"] + 1}
        # Files came along, and the organisation's admin signs in there as before.
        files = [p for p in other_dir.rglob("export.html")]
        assert files and NAME in files[0].read_text()
        assert token_for(empty.test_client(), s.org, Role.TENANT_ADMIN)
        # A second import is refused: not a merge.
        again = empty.test_cli_runner().invoke(privacy_import_tenant, [str(path)])
        assert again.exit_code != 0 and "tenant_exists" in again.output
    finally:
        empty.extensions["tukiverkko.db"].dispose()


def test_closing_keeps_the_data_for_the_grace_period_then_deletes_it(
    app: Flask, client: FlaskClient, database: Database
) -> None:
    s = seed(database)
    bystander = seed(database)
    headers = token_for(client, s.org, Role.TENANT_ADMIN)
    wrong = client.post(
        "/api/v1/privacy/close", json={"confirm_slug": "nope", "reason": "x"}, headers=headers
    )
    assert wrong.status_code == 422 and wrong.json["code"] == "confirmation_required"
    resp = client.post(
        "/api/v1/privacy/close",
        json={"confirm_slug": s.org.slug, "reason": "Toiminta päättyy"},
        headers=headers,
    )
    assert resp.status_code == 200, resp.text
    delete_after = resp.json["delete_after"]
    assert delete_after[:10] == (utcnow() + timedelta(days=90)).date().isoformat()
    assert delete_after[:10] in resp.json["message"]
    # Signed out at once; the data is still there.
    assert client.get("/api/v1/privacy/settings", headers=headers).status_code == 401
    before = counts_of(database, s.org.id)
    with app.app_context():
        assert tenant_export.purge_due(now=utcnow() + timedelta(days=89)) == 0
    assert counts_of(database, s.org.id) == before

    bystander_before = counts_of(database, bystander.org.id)
    with app.app_context():
        assert tenant_export.purge_due(now=utcnow() + timedelta(days=91)) == 1
        assert tenant_export.purge_due(now=utcnow() + timedelta(days=92)) == 0  # idempotent
    assert sum(counts_of(database, s.org.id).values()) == 0
    assert counts_of(database, bystander.org.id) == bystander_before
    with context.cross_tenant("test"), database.unit_of_work() as db:
        tenant = db.get(Tenant, s.org.id)
        assert tenant is not None and tenant.status == TenantStatus.CLOSED
        assert tenant.contact_email == ""
        exit_ = db.scalar(select(TenantExit).where(TenantExit.organisation_id == s.org.id))
        assert exit_ is not None and exit_.deleted_at is not None


def test_a_tenant_closed_by_the_operator_is_deleted_after_the_grace_period_too(
    app: Flask, database: Database
) -> None:
    org = make_org(database)
    with context.cross_tenant("test"), database.unit_of_work() as db:
        tenant = db.get(Tenant, org.id)
        assert tenant is not None
        tenant.status = TenantStatus.CLOSED
        tenant.status_changed_at = utcnow() - timedelta(days=100)
    with app.app_context():
        assert tenant_export.purge_due() == 1
    assert sum(counts_of(database, org.id).values()) == 0
