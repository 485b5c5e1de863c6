"""Erasure: every personal field goes, in core and module tables and files; the figures stay."""

from __future__ import annotations

import json
from datetime import date

import pytest
from flask import Flask
from sqlalchemy import select

from tests.platform.primitives.support import in_tenant
from tests.platform.privacy.support import (
    EMAIL,
    NAME,
    OTHER_NAME,
    PHONE,
    end_volunteering,
    find,
    seed,
    texts_of_files,
    texts_of_tenant_tables,
    totals,
)
from tukiverkko.platform.db import Database
from tukiverkko.platform.errors import Conflict
from tukiverkko.platform.identity.models import Role, User, UserStatus
from tukiverkko.platform.privacy import rights
from tukiverkko.platform.privacy.models import (
    PrivacyRequest,
    RequestKind,
    RequestStatus,
    SubjectType,
)
from tukiverkko.platform.privacy.subjects import Subject
from tukiverkko.platform.storage import make_storage

NEEDLES = [NAME, EMAIL, PHONE, "040 765 4321", "0407654321"]


def _redactor(app: Flask) -> rights.AuditRedactor | None:
    settings = app.config["TUKIVERKKO_SETTINGS"]
    if settings.database_migration_url != settings.database_url:
        return rights.owner_audit_redactor(settings.database_migration_url)
    return None


def test_erasure_leaves_no_trace_of_the_person_and_keeps_the_figures(
    app: Flask, database: Database
) -> None:
    s = seed(database)
    admin = s.org.people[Role.TENANT_ADMIN]
    settings = app.config["TUKIVERKKO_SETTINGS"]
    storage = make_storage(settings)
    subject = Subject(SubjectType.VOLUNTEER, s.volunteer_id)
    # An earlier access request left his export in the file store.
    with in_tenant(database, s.org) as db:
        access = rights.record_request(
            db,
            tenant_id=s.org.id,
            kind=RequestKind.ACCESS,
            subject=subject,
            received_on=date.today(),
            recorded_by=admin,
        )
        rights.fulfil_access(db, storage, access, tenant_id=s.org.id, handled_by=admin)
    assert find(texts_of_files(settings.storage_dir), [NAME])
    assert find(texts_of_tenant_tables(database), NEEDLES)
    # An active volunteer is not erased: the volunteering ends first (closing his match).
    with in_tenant(database, s.org) as db:
        req = rights.record_request(
            db,
            tenant_id=s.org.id,
            kind=RequestKind.ERASURE,
            subject=subject,
            received_on=date.today(),
            recorded_by=admin,
        )
        request_id = req.id
    with in_tenant(database, s.org) as db, pytest.raises(Conflict) as refused:
        rights.fulfil_erasure(
            db, storage, db.get(PrivacyRequest, request_id), tenant_id=s.org.id, handled_by=admin
        )
    assert refused.value.code == "subject_active"
    end_volunteering(database, s)
    before = totals(database, s.org)

    with in_tenant(database, s.org) as db:
        req = db.get(PrivacyRequest, request_id)
        result = rights.fulfil_erasure(
            db, storage, req, tenant_id=s.org.id, handled_by=admin, audit_redactor=_redactor(app)
        )
        assert req.status == RequestStatus.COMPLETED
    assert result.subjects == 1 and result.files == 2

    leaks = find(texts_of_tenant_tables(database), NEEDLES)
    assert leaks == [], leaks
    assert find(texts_of_files(settings.storage_dir), NEEDLES) == []
    assert totals(database, s.org) == before
    # The other volunteer is untouched, the account cannot sign in.
    assert find(texts_of_tenant_tables(database), [OTHER_NAME])
    with in_tenant(database, s.org) as db:
        user = db.get(User, s.org.people[Role.VOLUNTEER])
        assert user is not None
        assert user.status == UserStatus.DISABLED and user.password_hash is None

    # Erasing again changes nothing more and does not fail.
    with in_tenant(database, s.org) as db:
        again = rights.erase(
            db,
            storage,
            tenant_id=s.org.id,
            people=[subject],
            reason=rights.ErasureReason.REQUEST,
            actor_id=admin,
            audit_redactor=_redactor(app),
        )
    assert sum(again.rows.values()) == 0 and again.files == 0
    assert totals(database, s.org) == before


def test_erasing_a_participant_removes_the_guardians_contact_too(
    app: Flask, database: Database
) -> None:
    s = seed(database)
    storage = make_storage(app.config["TUKIVERKKO_SETTINGS"])
    before = totals(database, s.org)
    with in_tenant(database, s.org) as db:
        rights.erase(
            db,
            storage,
            tenant_id=s.org.id,
            people=[Subject(SubjectType.PARTICIPANT, s.other_participant_id)],
            reason=rights.ErasureReason.REQUEST,
            actor_id=None,
            audit_redactor=_redactor(app),
        )
    assert find(texts_of_tenant_tables(database), ["Sari Salo", "s@x.fi", "Onni"]) == []
    assert totals(database, s.org) == before
    # Matti (another person) keeps his data.
    assert find(texts_of_tenant_tables(database), [NAME])


def test_export_gives_the_persons_data_as_json_and_as_a_document(
    app: Flask, database: Database
) -> None:
    s = seed(database)
    subject = Subject(SubjectType.VOLUNTEER, s.volunteer_id)
    with in_tenant(database, s.org) as db:
        data = rights.subject_data(db, s.org.id, subject)
    tables = data["data"]
    assert tables["volunteers"][0]["name"] == NAME
    assert "mentor_buddy_volunteer_facts" in tables  # a module's table takes part
    assert len(tables["meeting_logs"]) == 3  # his match's meetings, not Liisa's
    assert {c["purpose"] for c in tables["consents"]} == {"processing", "background_check"}
    assert tables["users"][0]["name"] == NAME
    assert "password_hash" not in tables["users"][0]  # never handed out, even to its owner
    assert "Liisa" not in json.dumps(data, ensure_ascii=False)
    html = rights.render_html(data, "fi")
    assert "Tietosi" in html and "Matti Meikäläinen" in html
    # Escaped: a note cannot inject markup into the document.
    assert "<script" not in rights.render_html(
        {**data, "data": {"x": [{"note": "<script>alert(1)</script>"}]}}, "en"
    )


def test_a_background_check_record_goes_when_the_volunteering_ends(
    app: Flask, database: Database
) -> None:
    from tukiverkko.platform.primitives import volunteers
    from tukiverkko.platform.primitives.models import BackgroundCheck, Volunteer

    s = seed(database)
    with in_tenant(database, s.org) as db:
        volunteer = db.get(Volunteer, s.volunteer_id)
        assert volunteer is not None
        volunteers.end(
            db,
            volunteer,
            reason="Muutti",
            actor_id=s.org.people[Role.COORDINATOR],
            by_volunteer=False,
        )
    with in_tenant(database, s.org) as db:
        left = db.scalars(
            select(BackgroundCheck).where(BackgroundCheck.volunteer_id == s.volunteer_id)
        ).all()
        assert left == []


def test_one_month_deadline() -> None:
    assert rights.one_month_after(date(2026, 1, 31)) == date(2026, 2, 28)
    assert rights.one_month_after(date(2026, 12, 15)) == date(2027, 1, 15)
    assert rights.one_month_after(date(2026, 3, 1)) == date(2026, 4, 1)


def test_a_request_for_another_tenants_person_is_refused(app: Flask, database: Database) -> None:
    from tukiverkko.platform.errors import ValidationFailed

    a, b = seed(database), seed(database)
    with in_tenant(database, a.org) as db, pytest.raises(ValidationFailed) as exc:
        rights.record_request(
            db,
            tenant_id=a.org.id,
            kind=RequestKind.ERASURE,
            subject=Subject(SubjectType.VOLUNTEER, b.volunteer_id),
            received_on=date.today(),
            recorded_by=a.org.people[Role.TENANT_ADMIN],
        )
    assert exc.value.code == "unknown_subject"
