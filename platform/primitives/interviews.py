"""Booking a volunteer's interview, so that the applicant is reminded the day before.

`PUT /api/v1/volunteers/<id>/interview` (`{"at": "2026-12-01T15:00:00+02:00"}`,
or `null` to cancel) sets `Volunteer.interview_at`; the daily scan's
`interview_reminders` task (`notices.send_interview_reminders`) tells the
volunteer on the day before. The interview itself is recorded as before, with
an interview note.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

import marshmallow as ma
from flask.views import MethodView
from flask_smorest import Blueprint
from sqlalchemy.orm import Session

from tukiverkko.platform import audit
from tukiverkko.platform.auth import authorize
from tukiverkko.platform.db import get_database, get_or_404, utcnow
from tukiverkko.platform.errors import Conflict, ValidationFailed
from tukiverkko.platform.permissions import Permission
from tukiverkko.platform.primitives.models import Volunteer, VolunteerStatus


def book_interview(
    db: Session, volunteer: Volunteer, at: datetime | None, *, actor_id: uuid.UUID
) -> Volunteer:
    """Book (or move, or with None cancel) the volunteer's interview."""
    if volunteer.status == VolunteerStatus.ENDED:
        raise Conflict("The volunteering has ended.", code="volunteer_ended")
    if at is not None and at <= utcnow():
        raise ValidationFailed(
            "Book the interview in the future.",
            code="interview_in_past",
            errors={"json": {"at": ["Must be in the future."]}},
        )
    volunteer.interview_at = at
    audit.record(
        db,
        "interview_booked" if at else "interview_cancelled",
        actor_id=actor_id,
        target_type="volunteer",
        target_id=volunteer.id,
    )
    return volunteer


blp = Blueprint(
    "volunteer_interviews",
    __name__,
    url_prefix="/volunteers",
    description="Booking volunteers' interviews (reminded the day before)",
)


class InterviewBooking(ma.Schema):
    at = ma.fields.AwareDateTime(required=True, allow_none=True)


class InterviewSchema(ma.Schema):
    volunteer_id = ma.fields.UUID(required=True)
    at = ma.fields.AwareDateTime(required=True, allow_none=True)


@blp.route("/<uuid:volunteer_id>/interview")
class Interview(MethodView):
    @blp.response(200, InterviewSchema)
    def get(self, volunteer_id: uuid.UUID) -> dict[str, Any]:
        """The booked interview, if any (coordinators)."""
        authorize(Permission.MANAGE_VOLUNTEERS)
        with get_database().unit_of_work() as db:
            volunteer = get_or_404(db, Volunteer, volunteer_id)
            return {"volunteer_id": volunteer.id, "at": volunteer.interview_at}

    @blp.arguments(InterviewBooking)
    @blp.response(200, InterviewSchema)
    def put(self, args: dict[str, Any], volunteer_id: uuid.UUID) -> dict[str, Any]:
        """Book, move or (with `null`) cancel the interview; reminded the day before."""
        principal = authorize(Permission.MANAGE_VOLUNTEERS)
        with get_database().unit_of_work() as db:
            volunteer = get_or_404(db, Volunteer, volunteer_id)
            book_interview(db, volunteer, args["at"], actor_id=principal.user_id)
            return {"volunteer_id": volunteer.id, "at": volunteer.interview_at}
