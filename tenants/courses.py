"""The model course: the owner schedules it, partners enrol coordinators, the owner
records completion, which satisfies the licence's course condition.

Plain functions with an explicit `Actor`. Completion touches licences and
writes audit events in two tenants, so it runs inside `context.cross_tenant`.
"""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from tukiverkko.platform.db import utcnow
from tukiverkko.platform.errors import Conflict, Forbidden, NotFound, ValidationFailed
from tukiverkko.platform.identity.models import Role, User, UserStatus
from tukiverkko.tenants import licensing
from tukiverkko.tenants.licensing import Actor
from tukiverkko.tenants.licensing_models import (
    ConditionKind,
    CourseEnrolment,
    EnrolmentStatus,
    Licence,
    ModelCourse,
    ProgrammeModel,
)

# Who may take the model course for a partner: its staff, not its volunteers.
TRAINABLE_ROLES = frozenset({Role.COORDINATOR, Role.TENANT_ADMIN})


def schedule_course(
    session: Session,
    model: ProgrammeModel,
    *,
    actor: Actor,
    starts_at: datetime,
    ends_at: datetime,
    place: str,
    capacity: int,
) -> ModelCourse:
    """The model owner schedules a course of its model."""
    licensing.require_owner(model, actor)
    if ends_at <= starts_at:
        raise ValidationFailed(
            "The course must end after it starts.",
            code="invalid_dates",
            errors={"json": {"ends_at": ["Must be after starts_at."]}},
        )
    if starts_at <= utcnow():
        raise ValidationFailed(
            "Schedule courses in the future.",
            code="invalid_dates",
            errors={"json": {"starts_at": ["Must be in the future."]}},
        )
    course = ModelCourse(
        model_id=model.id,
        starts_at=starts_at,
        ends_at=ends_at,
        place=place.strip(),
        capacity=capacity,
    )
    session.add(course)
    session.flush()
    return course


def seats_taken(session: Session, course_id: uuid.UUID) -> int:
    return int(
        session.scalar(
            select(func.count(CourseEnrolment.id)).where(
                CourseEnrolment.course_id == course_id,
                CourseEnrolment.status != EnrolmentStatus.CANCELLED,
            )
        )
        or 0
    )


def enrol(
    session: Session,
    licence: Licence,
    *,
    actor: Actor,
    course_id: uuid.UUID,
    user_id: uuid.UUID,
) -> CourseEnrolment:
    """A partner enrols one of its coordinators on a course of the licensed model.

    The person is looked up in the partner's own accounts, so an id of
    another organisation's account is simply not found.
    """
    if actor.tenant_id != licence.partner_tenant_id:
        raise Forbidden("Only the licensee enrols its coordinators.", code="not_licensee")
    if licence.status not in licensing.LIVE:
        raise Conflict(
            f"A licence that is {licence.status.value} takes no enrolments.",
            code="invalid_transition",
        )
    course = session.get(ModelCourse, course_id)
    if course is None or course.model_id != licence.model_id:
        raise NotFound("No such course of this model.")
    if course.cancelled_at is not None or course.starts_at <= utcnow():
        raise Conflict("This course is no longer open for enrolment.", code="course_closed")
    # Explicitly the partner's own account: under the request's tenant filter
    # this is the partner anyway, and inside cross_tenant the where-clause holds.
    person = session.scalar(
        select(User).where(User.id == user_id, User.tenant_id == licence.partner_tenant_id)
    )
    if person is None or person.status != UserStatus.ACTIVE:
        raise NotFound("No such person in your organisation.")
    if person.role not in TRAINABLE_ROLES:
        raise ValidationFailed(
            "Only coordinators and admins take the model course.",
            code="not_trainable",
            errors={"json": {"user_id": ["Choose a coordinator."]}},
        )
    taken = session.scalar(
        select(CourseEnrolment).where(
            CourseEnrolment.course_id == course.id, CourseEnrolment.user_id == person.id
        )
    )
    if taken is not None:
        raise Conflict("This person is already enrolled.", code="already_enrolled")
    if seats_taken(session, course.id) >= course.capacity:
        raise Conflict("The course is full.", code="course_full")
    enrolment = CourseEnrolment(
        course_id=course.id,
        partner_tenant_id=licence.partner_tenant_id,
        user_id=person.id,
        participant_name=person.name,
        status=EnrolmentStatus.ENROLLED,
        enrolled_by=actor.user_id,
    )
    session.add(enrolment)
    session.flush()
    return enrolment


def complete(session: Session, enrolment: CourseEnrolment, *, actor: Actor) -> CourseEnrolment:
    """The owner records that the coordinator completed the course.

    Satisfies the course condition of every live licence the partner holds
    for this model (a licence then becomes active if it was only waiting
    for this).
    """
    course = session.get(ModelCourse, enrolment.course_id)
    assert course is not None
    model = session.get(ProgrammeModel, course.model_id)
    assert model is not None
    licensing.require_owner(model, actor)
    if enrolment.status != EnrolmentStatus.ENROLLED:
        raise Conflict(
            f"An enrolment that is {enrolment.status.value} cannot be completed.",
            code="invalid_transition",
        )
    enrolment.status = EnrolmentStatus.COMPLETED
    enrolment.completed_at = utcnow()
    enrolment.completed_by = actor.user_id
    licences = session.scalars(
        select(Licence).where(
            Licence.model_id == model.id,
            Licence.partner_tenant_id == enrolment.partner_tenant_id,
            Licence.status.in_(licensing.LIVE),
        )
    ).all()
    for licence in licences:
        licensing.satisfy_condition(
            session,
            licence,
            ConditionKind.COURSE_COMPLETED,
            actor=actor,
            note=f"model course completed by {enrolment.participant_name}",
        )
    return enrolment


def upcoming_courses(session: Session, model_ids: list[uuid.UUID]) -> list[ModelCourse]:
    """Courses not cancelled that have not started yet, soonest first."""
    if not model_ids:
        return []
    return list(
        session.scalars(
            select(ModelCourse)
            .where(
                ModelCourse.model_id.in_(model_ids),
                ModelCourse.cancelled_at.is_(None),
                ModelCourse.starts_at > utcnow(),
            )
            .order_by(ModelCourse.starts_at)
        )
    )
