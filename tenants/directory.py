"""The national directory: licensed local activities and upcoming model courses.

Public (no sign-in): a page, a JSON feed and an iCalendar feed. Only licences
that are active and in force appear, so a suspended, revoked or expired
licensee drops off the national site at once. Nothing here comes from a
tenant-owned table: organisations, licences and courses are federation-level.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from flask import Blueprint, Response, current_app, jsonify, render_template
from flask_babel import gettext as _
from icalendar import Calendar, Event
from sqlalchemy import select
from sqlalchemy.orm import Session

from tukiverkko.platform.db import get_database, utcnow
from tukiverkko.tenants import licensing
from tukiverkko.tenants.courses import upcoming_courses
from tukiverkko.tenants.licensing_models import Licence, LicenceStatus, ProgrammeModel

blp = Blueprint("directory", __name__)


def directory(session: Session) -> dict[str, Any]:
    """Activities of licences in force and every upcoming model course, as plain data."""
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
    return {"activities": activities, "courses": course_rows, "generated_at": utcnow().isoformat()}


def icalendar_feed(data: dict[str, Any], *, summary: str) -> bytes:
    """The upcoming model courses as an iCalendar (RFC 5545) document."""
    cal = Calendar()
    cal.add("prodid", "-//Tukiverkko//Kansallinen hakemisto//FI")
    cal.add("version", "2.0")
    cal.add("x-wr-calname", "Tukiverkko")
    host = current_app.config["TUKIVERKKO_SETTINGS"].base_url.split("://")[-1].split("/")[0]
    for course in data["courses"]:
        event = Event()
        event.add("uid", f"course-{course['id']}@{host}")
        event.add("dtstamp", utcnow())
        event.add("dtstart", datetime.fromisoformat(course["starts_at"]))
        event.add("dtend", datetime.fromisoformat(course["ends_at"]))
        event.add("summary", summary % {"programme": course["programme"]})
        event.add("location", course["place"])
        cal.add_component(event)
    return bytes(cal.to_ical())


def _load() -> dict[str, Any]:
    with get_database().unit_of_work() as db:
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
    """Upcoming model courses as an iCalendar feed."""
    body = icalendar_feed(_load(), summary=_("Model course: %(programme)s"))
    return Response(body, mimetype="text/calendar")
