"""Realistic data in few lines: organisations, people, signed-in clients."""

from __future__ import annotations

import email
import email.policy
import itertools
import re
import uuid
from dataclasses import dataclass, field

from flask import Flask
from flask.testing import FlaskClient

from tukiverkko.platform import context
from tukiverkko.platform.db import Database
from tukiverkko.platform.identity.models import Role
from tukiverkko.platform.identity.service import create_user
from tukiverkko.platform.notifications import Notification
from tukiverkko.tenants.models import Tenant, TenantKind, TenantStatus

PASSWORD = "oikein-hyva-salasana"
_seq = itertools.count(1)


def business_id(n: int) -> str:
    """A valid Y-tunnus for a number (check digit computed as the registry does)."""
    digits = f"{n % 10_000_000:07d}"
    remainder = sum(int(d) * w for d, w in zip(digits, (7, 9, 10, 5, 8, 4, 2), strict=True)) % 11
    if remainder == 1:
        return business_id(n + 1)
    return f"{digits}-{0 if remainder == 0 else 11 - remainder}"


@dataclass
class Org:
    id: uuid.UUID
    slug: str
    people: dict[Role, uuid.UUID] = field(default_factory=dict)
    emails: dict[Role, str] = field(default_factory=dict)
    notification_id: uuid.UUID | None = None  # the volunteer's, if there is one


def make_org(
    database: Database,
    slug: str | None = None,
    *,
    kind: TenantKind = TenantKind.PARTNER,
    roles: tuple[Role, ...] = (Role.TENANT_ADMIN, Role.COORDINATOR, Role.VOLUNTEER),
    status: TenantStatus = TenantStatus.ACTIVE,
) -> Org:
    """An organisation with one active account per role (password `PASSWORD`)."""
    n = next(_seq)
    slug = slug or f"org-{n}-{uuid.uuid4().hex[:6]}"
    with context.cross_tenant("test data"), database.unit_of_work() as db:
        tenant = Tenant(
            slug=slug,
            name=f"Yhdistys {slug}",
            kind=kind,
            status=status,
            business_id=business_id(n * 7919 + int(uuid.uuid4().int % 1000)),
            municipality="Turku",
        )
        db.add(tenant)
        db.flush()
        org = Org(tenant.id, slug)
        for role in roles:
            email = f"{role.value}@{slug}.example"
            user = create_user(
                db,
                tenant_id=tenant.id,
                email=email,
                name=f"{role.value} {slug}",
                role=role,
                password=PASSWORD,
            )
            org.people[role] = user.id
            org.emails[role] = email
        if Role.VOLUNTEER in org.people:
            # One inbox entry, so that routes with a notification id are covered.
            note = Notification(
                tenant_id=tenant.id,
                user_id=org.people[Role.VOLUNTEER],
                kind="announcement",
                params={"subject": "Tervetuloa", "body": "Hei!", "organisation": tenant.name},
                delivery_key=f"factory:{uuid.uuid4()}",
            )
            db.add(note)
            db.flush()
            org.notification_id = note.id
    return org


def token_for(client: FlaskClient, org: Org, role: Role) -> dict[str, str]:
    """Authorization headers of a signed-in person of `org` with `role`."""
    resp = client.post(
        "/api/v1/auth/token",
        json={"tenant": org.slug, "email": org.emails[role], "password": PASSWORD},
    )
    assert resp.status_code == 200, resp.text
    return {"Authorization": f"Bearer {resp.json['access_token']}"}


def objects_of(org: Org, database: Database | None = None) -> dict[str, uuid.UUID]:
    """One object of `org` for every kind of id that appears in an API path.

    The cross-tenant test fills each `<uuid:name>` of every route from this
    map; a new kind of path id must be added here (the test says so).
    With `database`, also the licensing objects that name `org` as the partner.
    """
    licensing_ids = make_licensing_objects(database, org) if database is not None else {}
    primitive_ids = make_primitive_objects(database, org) if database is not None else {}
    if database is not None:  # the programme modules' own path ids (tests/modules/support.py)
        from tests.modules.support import make_module_objects

        primitive_ids = {**primitive_ids, **make_module_objects(database, org)}
    duty_ids = make_duty_objects(database, licensing_ids) if database is not None else {}
    journey_ids = make_journey_objects(database, org, primitive_ids) if database is not None else {}
    privacy_ids = make_privacy_objects(database, org) if database is not None else {}
    return {
        **licensing_ids,
        **primitive_ids,
        **duty_ids,
        **journey_ids,
        **privacy_ids,
        "tenant_id": org.id,
        "user_id": org.people[Role.VOLUNTEER],
        "notification_id": org.notification_id,  # type: ignore[dict-item]
    }


def make_privacy_objects(database: Database, org: Org) -> dict[str, uuid.UUID]:
    """A data subject's request and a tenant archive of `org` (platform/privacy), rows directly."""
    from datetime import date

    from tukiverkko.platform.privacy.models import (
        ExportStatus,
        PrivacyRequest,
        RequestKind,
        RequestStatus,
        SubjectType,
        TenantExport,
    )

    admin = org.people.get(Role.TENANT_ADMIN) or next(iter(org.people.values()))
    with context.bind(tenant_id=org.id), database.unit_of_work() as db:
        request = PrivacyRequest(
            kind=RequestKind.ACCESS,
            subject_type=SubjectType.USER,
            subject_id=org.people.get(Role.VOLUNTEER, admin),
            received_on=date.today(),
            due_on=date.today(),
            status=RequestStatus.OPEN,
            recorded_by=admin,
        )
        export = TenantExport(status=ExportStatus.PENDING, requested_by=admin, error="")
        db.add_all([request, export])
        db.flush()
        return {"privacy_request_id": request.id, "tenant_export_id": export.id}


def make_primitive_objects(database: Database, org: Org) -> dict[str, uuid.UUID]:
    """One object of every kind of the shared primitives (platform/primitives) of `org`."""
    from tests.platform.primitives.support import (
        in_tenant,
        make_participant,
        make_programme,
        make_volunteer,
    )
    from tukiverkko.platform.db import utcnow
    from tukiverkko.platform.primitives import matching, screening, training
    from tukiverkko.platform.primitives.models import Participant, Programme, Volunteer

    programme_id = make_programme(database, org)
    volunteer_id = make_volunteer(database, org, programme_id, approved=True)
    participant_id = make_participant(database, org, programme_id)
    actor = org.people[Role.COORDINATOR]
    with in_tenant(database, org) as db:
        programme = db.get(Programme, programme_id)
        volunteer = db.get(Volunteer, volunteer_id)
        assert programme is not None and volunteer is not None
        curriculum = training.create_curriculum(db, programme, name="K", description="", hours=1)
        session = training.create_session(
            db, curriculum, starts_at=utcnow(), location="", capacity=5
        )
        enrolment = training.enrol(db, session, volunteer)
        task = screening.create_task(db, name="Tukihenkilö", description="", actor_id=actor)
        participant = db.get(Participant, participant_id)
        assert participant is not None
        match = matching.propose(db, programme, participant, volunteer, actor_id=actor)
        ids = {
            "programme_id": programme_id,
            "volunteer_id": volunteer_id,
            "participant_id": participant_id,
            "match_id": match.id,
            "curriculum_id": curriculum.id,
            "training_session_id": session.id,
            "training_enrolment_id": enrolment.id,
            "check_task_id": task.id,
        }
    # Follow-up, supervision, events and feedback (one object of each).
    from tests.platform.primitives.support import make_followup_objects

    return {**ids, **make_followup_objects(database, org, programme_id, volunteer_id, match.id)}


def make_journey_objects(
    database: Database, org: Org, ids: dict[str, uuid.UUID]
) -> dict[str, uuid.UUID]:
    """An absence and a closing survey offer of `org` (platform/primitives/api_journey.py)."""
    from datetime import timedelta

    from tests.platform.primitives.support import in_tenant
    from tukiverkko.platform.db import utcnow
    from tukiverkko.platform.primitives.models_reports import (
        ClosingSurveyOffer,
        SurveySide,
        VolunteerAbsence,
    )

    with in_tenant(database, org) as db:
        absence = VolunteerAbsence(
            volunteer_id=ids["volunteer_id"],
            starts_on=utcnow().date() + timedelta(days=10),
            ends_on=utcnow().date() + timedelta(days=20),
            reported_by=org.people[Role.COORDINATOR],
        )
        offer = ClosingSurveyOffer(
            match_id=ids["match_id"],
            programme_id=ids["programme_id"],
            form_id=ids["feedback_form_id"],
            side=SurveySide.VOLUNTEER,
            user_id=org.people[Role.VOLUNTEER],
        )
        db.add_all([absence, offer])
        db.flush()
        return {"absence_id": absence.id, "closing_survey_id": offer.id}


def csrf_token(page_html: str) -> str:
    """The CSRF token of the (first) form on a page."""
    return page_html.split('name="csrf_token" type="hidden" value="')[1].split('"')[0]


def sign_in_web(client: FlaskClient, org: Org, role: Role, password: str = PASSWORD):  # type: ignore[no-untyped-def]
    """Sign in through the login page, as a browser would."""
    page = client.get(f"/t/{org.slug}/login")
    return client.post(
        f"/t/{org.slug}/login",
        data={"email": org.emails[role], "password": password, "csrf_token": csrf_token(page.text)},
    )


def sent_links(app: Flask, kind: str) -> list[str]:
    """Tokens of the `kind` links (`invitation`, `password-reset`…) in emails sent so far."""
    mail_dir = app.config["TUKIVERKKO_SETTINGS"].mail_dir
    links: list[str] = []
    for path in sorted(mail_dir.glob("*.eml"), key=lambda p: p.stat().st_mtime_ns):
        message = email.message_from_bytes(path.read_bytes(), policy=email.policy.default)
        body = message.get_body(("plain",)).get_content()  # type: ignore[union-attr]
        links += re.findall(rf"https?://\S+/{kind}/(\S+)", body)
    return links


# --- programme models and licences (issue 5) ---------------------------------

# Ids of federation-level objects that are public by design: the catalogue of
# programme models and the upcoming model courses (also on the national
# directory). Lists may show them to anyone signed in; their other routes
# are still checked like any other id.
PUBLIC_IDS = frozenset({"model_id", "course_id"})


def make_model_owner(database: Database) -> Org:
    """A model-owner organisation with one owner-staff account."""
    return make_org(database, kind=TenantKind.MODEL_OWNER, roles=(Role.OWNER_STAFF,))


def make_programme_model(
    database: Database, owner: Org, *, module_key: str = "mentor_buddy", name: str | None = None
) -> uuid.UUID:
    """A programme model of `owner` (straight into the table: no audit, no checks)."""
    from tukiverkko.tenants.licensing_models import ProgrammeModel

    with database.unit_of_work() as db:
        model = ProgrammeModel(
            owner_tenant_id=owner.id,
            name=name or f"Malli {uuid.uuid4().hex[:8]}®",
            description="Aikuinen mies kaveriksi pojalle tai tytölle.",
            module_key=module_key,
            operating_principles="Toiminta alkaa aina äidin aloitteesta.",
            curriculum="Mieskaverikurssi, 15 tuntia.",
        )
        db.add(model)
        db.flush()
        return model.id


def make_licence(
    database: Database,
    model_id: uuid.UUID,
    partner: Org,
    *,
    status: str = "granted",
    area: str = "Turku",
    satisfied: bool = False,
) -> uuid.UUID:
    """A licence of `partner` in `status`, its conditions met or not."""
    from tukiverkko.platform.db import utcnow
    from tukiverkko.tenants.licensing_models import (
        ConditionKind,
        Licence,
        LicenceCondition,
        LicenceStatus,
    )

    with database.unit_of_work() as db:
        licence = Licence(
            model_id=model_id,
            partner_tenant_id=partner.id,
            area=area,
            status=LicenceStatus(status),
            how_to_apply=f"Soita {area}n koordinaattorille.",
        )
        db.add(licence)
        db.flush()
        for kind in ConditionKind:
            db.add(
                LicenceCondition(
                    licence_id=licence.id, kind=kind, satisfied_at=utcnow() if satisfied else None
                )
            )
        return licence.id


def make_course(database: Database, model_id: uuid.UUID, *, days_ahead: int = 30) -> uuid.UUID:
    """A model course `days_ahead` days from now."""
    from datetime import timedelta

    from tukiverkko.platform.db import utcnow
    from tukiverkko.tenants.licensing_models import ModelCourse

    with database.unit_of_work() as db:
        start = utcnow().replace(microsecond=0) + timedelta(days=days_ahead)
        course = ModelCourse(
            model_id=model_id,
            starts_at=start,
            ends_at=start + timedelta(hours=15),
            place="Helsinki, Pienperheyhdistyksen tilat",
            capacity=12,
        )
        db.add(course)
        db.flush()
        return course.id


def make_licensing_objects(database: Database, partner: Org) -> dict[str, uuid.UUID]:
    """One object of each licensing kind that names `partner` (for `objects_of`)."""
    from tukiverkko.tenants.licensing_models import (
        CourseEnrolment,
        EnrolmentStatus,
        MaterialKind,
        ModelMaterial,
    )

    owner = make_model_owner(database)
    model_id = make_programme_model(database, owner)
    licence_id = make_licence(database, model_id, partner)
    course_id = make_course(database, model_id)
    with database.unit_of_work() as db:
        enrolment = CourseEnrolment(
            course_id=course_id,
            partner_tenant_id=partner.id,
            user_id=partner.people[Role.COORDINATOR],
            participant_name="Kaisa Koordinaattori",
            status=EnrolmentStatus.ENROLLED,
            enrolled_by=partner.people[Role.COORDINATOR],
        )
        material = ModelMaterial(
            model_id=model_id,
            kind=MaterialKind.LOGO,
            title="Logo",
            filename="logo.png",
            content_type="image/png",
            size=1,
            storage_key=f"models/{model_id}/materials/{uuid.uuid4().hex}",
            uploaded_by=owner.people[Role.OWNER_STAFF],
        )
        db.add_all([enrolment, material])
        db.flush()
        ids = {"enrolment_id": enrolment.id, "material_id": material.id}
    return {"model_id": model_id, "licence_id": licence_id, "course_id": course_id, **ids}


def make_duty_objects(
    database: Database, licensing_ids: dict[str, uuid.UUID]
) -> dict[str, uuid.UUID]:
    """A change report on the partner's licence (partner duties, tenants/duties.py)."""
    from datetime import date

    from tukiverkko.tenants.duties_models import ChangeKind, ChangeReport

    with database.unit_of_work() as db:
        report = ChangeReport(
            licence_id=licensing_ids["licence_id"],
            kind=ChangeKind.COORDINATOR_CHANGED,
            text="Uusi koordinaattori aloitti.",
            effective_on=date(2026, 1, 1),
            reported_by=uuid.uuid4(),
        )
        db.add(report)
        db.flush()
        return {"change_report_id": report.id}


# --- programme modules (issue 7) ---------------------------------------------


def license_module(database: Database, org: Org, module_key: str) -> uuid.UUID:
    """An active licence of `org` for the model behind `module_key` (made once per database).

    Creating a programme needs it (`platform/plugins.py`: a tenant runs only
    the modules it holds a licence for).
    """
    from sqlalchemy import select

    from tukiverkko.tenants.licensing_models import Licence, LicenceStatus, ProgrammeModel

    with database.unit_of_work() as db:
        model_id = db.scalar(
            select(ProgrammeModel.id).where(ProgrammeModel.module_key == module_key).limit(1)
        )
        if model_id is not None:
            held = db.scalar(
                select(Licence.id).where(
                    Licence.model_id == model_id,
                    Licence.partner_tenant_id == org.id,
                    Licence.status == LicenceStatus.ACTIVE,
                )
            )
            if held is not None:
                return held
    if model_id is None:
        model_id = make_programme_model(database, make_model_owner(database), module_key=module_key)
    return make_licence(database, model_id, org, status="active", satisfied=True)
