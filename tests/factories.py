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
    return org


def token_for(client: FlaskClient, org: Org, role: Role) -> dict[str, str]:
    """Authorization headers of a signed-in person of `org` with `role`."""
    resp = client.post(
        "/api/v1/auth/token",
        json={"tenant": org.slug, "email": org.emails[role], "password": PASSWORD},
    )
    assert resp.status_code == 200, resp.text
    return {"Authorization": f"Bearer {resp.json['access_token']}"}


def objects_of(org: Org) -> dict[str, uuid.UUID]:
    """One object of `org` for every kind of id that appears in an API path.

    The cross-tenant test fills each `<uuid:name>` of every route from this
    map; a new kind of path id must be added here (the test says so).
    """
    return {
        "tenant_id": org.id,
        "user_id": org.people[Role.VOLUNTEER],
    }


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
