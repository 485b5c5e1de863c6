"""Test data for the programme modules: their own objects, rows written directly."""

from __future__ import annotations

import email
import email.policy
import uuid
from datetime import timedelta

from flask import Flask
from flask.testing import FlaskClient

from tests.factories import Org
from tukiverkko.platform.db import Database, utcnow
from tukiverkko.platform.identity.models import Role


def make_module_objects(database: Database, org: Org) -> dict[str, uuid.UUID]:
    """One object of each module's own kind of path id (for `tests.factories.objects_of`)."""
    from tests.platform.primitives.support import in_tenant, make_programme, make_volunteer
    from tukiverkko.modules.mens_peer_groups.models import PeerGroup, PhoneShift

    programme_id = make_programme(
        database, org, module_key="mens_peer_groups", name="Toiminnan Miehet"
    )
    leader = make_volunteer(database, org, programme_id, approved=True)
    with in_tenant(database, org) as db:
        group = PeerGroup(
            programme_id=programme_id, name="Isäsakki", theme="Isyys", leader_volunteer_id=leader
        )
        start = utcnow().replace(microsecond=0) + timedelta(days=3)
        shift = PhoneShift(
            programme_id=programme_id,
            starts_at=start,
            ends_at=start + timedelta(hours=3),
            places=2,
            created_by=org.people[Role.COORDINATOR],
        )
        db.add_all([group, shift])
        db.flush()
        return {"peer_group_id": group.id, "phone_shift_id": shift.id}


def add_volunteer_account(
    client: FlaskClient, database: Database, org: Org, name: str
) -> tuple[uuid.UUID, dict[str, str]]:
    """Another volunteer account of `org`, signed in: (user id, API headers)."""
    from tests.factories import PASSWORD
    from tukiverkko.platform import context
    from tukiverkko.platform.identity.service import create_user

    email = f"{name.lower()}-{uuid.uuid4().hex[:6]}@{org.slug}.example"
    with context.bind(tenant_id=org.id), database.unit_of_work() as db:
        user = create_user(
            db, tenant_id=org.id, email=email, name=name, role=Role.VOLUNTEER, password=PASSWORD
        )
        user_id = user.id
    resp = client.post(
        "/api/v1/auth/token", json={"tenant": org.slug, "email": email, "password": PASSWORD}
    )
    assert resp.status_code == 200, resp.text
    return user_id, {"Authorization": f"Bearer {resp.json['access_token']}"}


def emails_sent(app: Flask) -> list[tuple[str, str]]:
    """(recipient, subject) of every email sent so far."""
    mail_dir = app.config["TUKIVERKKO_SETTINGS"].mail_dir
    found = []
    for path in sorted(mail_dir.glob("*.eml"), key=lambda p: p.stat().st_mtime_ns):
        message = email.message_from_bytes(path.read_bytes(), policy=email.policy.default)
        found.append((str(message["To"]), str(message["Subject"])))
    return found


def make_phone_line(database: Database, org: Org, shifts: int = 2, places: int = 2) -> uuid.UUID:
    """A MIESluuri programme with `shifts` evening shifts, the first one in two days."""
    from tests.platform.primitives.support import in_tenant, make_programme
    from tukiverkko.modules.mens_peer_groups.models import PhoneShift

    programme_id = make_programme(database, org, module_key="mens_peer_groups", name="MIESluuri")
    with in_tenant(database, org) as db:
        start = utcnow().replace(microsecond=0) + timedelta(days=2)
        db.add_all(
            PhoneShift(
                programme_id=programme_id,
                starts_at=start + timedelta(days=n),
                ends_at=start + timedelta(days=n, hours=3),
                places=places,
                created_by=org.people[Role.COORDINATOR],
            )
            for n in range(shifts)
        )
    return programme_id
