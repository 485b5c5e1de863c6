"""The national directory: licensed local activities and upcoming model courses.

Public (no sign-in): a page, a JSON feed and an iCalendar feed. Only licences
that are active and in force appear, so a suspended, revoked or expired
licensee drops off the national site at once. Organisations, licences and
courses are federation-level. The one exception is the events partners
publish themselves (`Event.published_at`): read across tenants in one
audited place (`published_events`), and only their title, time, place and
description leave it - never who signed up.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from flask import Blueprint, Response, current_app, jsonify, render_template
from flask_babel import gettext as _
from icalendar import Calendar
from icalendar import Event as Event_
from sqlalchemy import select
from sqlalchemy.orm import Session

from tukiverkko.platform import context
from tukiverkko.platform.db import get_database, utcnow
from tukiverkko.platform.primitives.models import Programme
from tukiverkko.platform.primitives.models_followup import Event
from tukiverkko.tenants import licensing
from tukiverkko.tenants.courses import upcoming_courses
from tukiverkko.tenants.licensing_models import Licence, LicenceStatus, ProgrammeModel

blp = Blueprint("directory", __name__)


def directory(session: Session) -> dict[str, Any]:
    """Activities of licences in force, upcoming model courses and published events.

    Runs inside `context.cross_tenant` (the partners' events are tenant-owned).
    """
    on = licensing.today()
    licences = [
        lic
        for lic in session.scalars(
            select(Licence).where(Licence.status == LicenceStatus.ACTIVE)
        ).all()
        if licensing.in_force(lic, on)
    ]
    models = list(session.scalars(select(ProgrammeModel).order_by(ProgrammeModel.name)))
    courses = upcoming_courses(session, [m.id for m in models])
    courses_by_model: dict[Any, list[dict[str, Any]]] = {}
    course_rows = []
    for course in courses:
        row = {
            "id": str(course.id),
            "programme": course.model.name,
            "starts_at": course.starts_at.isoformat(),
            "ends_at": course.ends_at.isoformat(),
            "place": course.place,
        }
        course_rows.append(row)
        courses_by_model.setdefault(course.model_id, []).append(row)
    activities = [
        {
            "organisation": lic.partner.name,
            "town": lic.area,
            "programme": lic.model.name,
            "programme_owner": lic.model.owner.name,
            "how_to_apply": lic.how_to_apply
            or " ".join(p for p in (lic.partner.contact_email, lic.partner.contact_phone) if p),
            "upcoming_courses": courses_by_model.get(lic.model_id, []),
        }
        for lic in sorted(licences, key=lambda x: (x.model.name, x.area, x.partner.name))
    ]
    pages = programme_pages(session, licences)
    for activity, lic in zip(
        activities,
        sorted(licences, key=lambda x: (x.model.name, x.area, x.partner.name)),
        strict=True,
    ):
        # The partner's own page of the programme, with its application forms.
        activity["programme_page"] = pages.get((lic.partner_tenant_id, lic.model.module_key))
    events = published_events(session, licences)
    events_by_activity: dict[Any, list[dict[str, Any]]] = {}
    for event in events:
        events_by_activity.setdefault(event.pop("_licence_id"), []).append(event)
    for activity, lic in zip(
        activities,
        sorted(licences, key=lambda x: (x.model.name, x.area, x.partner.name)),
        strict=True,
    ):
        activity["upcoming_events"] = events_by_activity.get(lic.id, [])
    return {
        "activities": activities,
        "courses": course_rows,
        "events": events,
        "generated_at": utcnow().isoformat(),
    }


def programme_pages(session: Session, licences: list[Licence]) -> dict[tuple[Any, str], str]:
    """(partner, module) -> the path of the partner's public page of that programme.

    One query across the licensed partners: their running programmes that take
    applications (volunteers' or participants'); the oldest one of a module wins.
    """
    partners = {lic.partner_tenant_id: lic.partner.slug for lic in licences}
    if not partners:
        return {}
    rows = session.execute(
        select(Programme.tenant_id, Programme.module_key, Programme.id)
        .where(
            Programme.tenant_id.in_(partners),
            Programme.retired_at.is_(None),
            Programme.accepts_applications.is_(True)
            | Programme.accepts_participant_applications.is_(True),
        )
        .order_by(Programme.created_at, Programme.id)
    )
    pages: dict[tuple[Any, str], str] = {}
    for tenant_id, module_key, programme_id in rows:
        path = f"/t/{partners[tenant_id]}/public/programmes/{programme_id}"
        pages.setdefault((tenant_id, module_key), path)
    return pages


def published_events(session: Session, licences: list[Licence]) -> list[dict[str, Any]]:
    """Upcoming events partners published, of programmes run under a licence in force.

    One query across tenants (the directory is public and names no tenant),
    restricted to the licensed partners' programmes of the licensed model's
    module. An event of a partner with licences in several areas is listed
    once, under the first of them.
    """
    if not context.current().cross_tenant:
        # On PostgreSQL the tenant is fixed when the transaction begins: the
        # caller opens `cross_tenant` before the unit of work (see `_load`).
        raise RuntimeError("published_events must run inside context.cross_tenant(...)")
    by_activity = {(lic.partner_tenant_id, lic.model.module_key): lic for lic in licences}
    if not by_activity:
        return []
    rows = session.execute(
        select(
            Event.id,
            Event.title,
            Event.description,
            Event.kind,
            Event.starts_at,
            Event.location,
            Programme.tenant_id,
            Programme.module_key,
        )
        .join(Programme, Programme.id == Event.programme_id)
        .where(
            Event.published_at.is_not(None),
            Event.cancelled_at.is_(None),
            Event.starts_at > utcnow(),
            Programme.retired_at.is_(None),
            Programme.tenant_id.in_(sorted({tenant for tenant, _module in by_activity})),
        )
        .order_by(Event.starts_at, Event.id)
        .limit(500)
    ).all()
    events = []
    for row in rows:
        lic = by_activity.get((row.tenant_id, row.module_key))
        if lic is None:
            continue  # a programme of a module the partner holds no licence for
        events.append(
            {
                "id": str(row.id),
                "title": row.title,
                "description": row.description,
                "kind": str(row.kind),
                "starts_at": row.starts_at.isoformat(),
                "location": row.location,
                "organisation": lic.partner.name,
                "town": lic.area,
                "programme": lic.model.name,
                "_licence_id": lic.id,
            }
        )
    return events


def icalendar_feed(data: dict[str, Any], *, summary: str) -> bytes:
    """Upcoming model courses and published partner events as an iCalendar (RFC 5545) document."""
    cal = Calendar()
    cal.add("prodid", "-//Tukiverkko//Kansallinen hakemisto//FI")
    cal.add("version", "2.0")
    cal.add("x-wr-calname", "Tukiverkko")
    host = current_app.config["TUKIVERKKO_SETTINGS"].base_url.split("://")[-1].split("/")[0]
    for course in data["courses"]:
        event = Event_()
        event.add("uid", f"course-{course['id']}@{host}")
        event.add("dtstamp", utcnow())
        event.add("dtstart", datetime.fromisoformat(course["starts_at"]))
        event.add("dtend", datetime.fromisoformat(course["ends_at"]))
        event.add("summary", summary % {"programme": course["programme"]})
        event.add("location", course["place"])
        cal.add_component(event)
    for item in data.get("events", []):
        event = Event_()
        event.add("uid", f"event-{item['id']}@{host}")
        event.add("dtstamp", utcnow())
        start = datetime.fromisoformat(item["starts_at"])
        event.add("dtstart", start)
        # Events store a start only; two hours is what a calendar shows.
        event.add("dtend", start + timedelta(hours=2))
        event.add("summary", f"{item['title']} ({item['organisation']}, {item['programme']})")
        event.add("location", item["location"] or item["town"])
        if item["description"]:
            event.add("description", item["description"])
        cal.add_component(event)
    return bytes(cal.to_ical())


def _load() -> dict[str, Any]:
    # Across tenants for the partners' published events only (see published_events).
    with (
        context.cross_tenant("national directory: published events"),
        get_database().unit_of_work() as db,
    ):
        return directory(db)


@blp.get("/directory")
def page() -> str:
    """The national directory as a page."""
    return render_template("directory.html", **_load())


@blp.get("/directory.json")
def feed_json() -> Response:
    """The national directory as JSON."""
    return jsonify(_load())


@blp.get("/directory.ics")
def feed_ics() -> Response:
    """Upcoming model courses and partners' published events as an iCalendar feed."""
    body = icalendar_feed(_load(), summary=_("Model course: %(programme)s"))
    return Response(body, mimetype="text/calendar")
