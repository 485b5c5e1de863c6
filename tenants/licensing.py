"""Programme models and their licences: the business rules, as plain functions.

A partner applies for the right to run a model in an area; the model owner
reviews and grants it with conditions (a coordinator has completed the model
course, the cooperation agreement is signed, resources are declared); the
licence becomes active when every condition is met; it can then be suspended,
reinstated, revoked, or expire and be renewed.

Every function takes the session and an explicit `Actor`; none reads Flask
globals. Functions that write a transition also write audit events into
*both* tenants (the owner's and the partner's), so they must run inside
`context.cross_tenant(...)`, opened before the unit of work.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from flask_babel import gettext as _
from sqlalchemy import and_, func, select
from sqlalchemy.orm import Session

from tukiverkko.platform import audit, context, notifications
from tukiverkko.platform.db import utcnow
from tukiverkko.platform.errors import Conflict, Forbidden, NotFound, Problem, ValidationFailed
from tukiverkko.platform.identity.models import Role, User, UserStatus
from tukiverkko.platform.pagination import paginate
from tukiverkko.tenants.licensing_models import (
    ConditionKind,
    CourseEnrolment,
    EnrolmentStatus,
    Licence,
    LicenceCondition,
    LicenceEvent,
    LicenceStatus,
    ModelCourse,
    ProgrammeModel,
)
from tukiverkko.tenants.models import Tenant, TenantKind

FINLAND = ZoneInfo("Europe/Helsinki")

MODEL_FIELDS = ("name", "description", "module_key", "operating_principles", "curriculum")

# Licences that still bind both sides; the others are history.
LIVE = frozenset(
    {
        LicenceStatus.APPLIED,
        LicenceStatus.UNDER_REVIEW,
        LicenceStatus.GRANTED,
        LicenceStatus.ACTIVE,
        LicenceStatus.SUSPENDED,
    }
)


@dataclass(frozen=True)
class Actor:
    """Who acts: a person of a tenant, or the platform itself (both None)."""

    user_id: uuid.UUID | None
    tenant_id: uuid.UUID | None


SYSTEM = Actor(None, None)


@dataclass(frozen=True)
class Transition:
    """One owner action on a licence: from which statuses, to which status."""

    sources: frozenset[LicenceStatus]
    target: LicenceStatus


# Owner actions. "grant" and "renew" land on GRANTED and move on to ACTIVE at
# once if every condition is already met (see `_activate_if_ready`).
TRANSITIONS: dict[str, Transition] = {
    "review": Transition(frozenset({LicenceStatus.APPLIED}), LicenceStatus.UNDER_REVIEW),
    "grant": Transition(frozenset({LicenceStatus.UNDER_REVIEW}), LicenceStatus.GRANTED),
    "reject": Transition(
        frozenset({LicenceStatus.APPLIED, LicenceStatus.UNDER_REVIEW}), LicenceStatus.REJECTED
    ),
    "suspend": Transition(frozenset({LicenceStatus.ACTIVE}), LicenceStatus.SUSPENDED),
    "reinstate": Transition(frozenset({LicenceStatus.SUSPENDED}), LicenceStatus.ACTIVE),
    "revoke": Transition(
        frozenset({LicenceStatus.GRANTED, LicenceStatus.ACTIVE, LicenceStatus.SUSPENDED}),
        LicenceStatus.REVOKED,
    ),
    "expire": Transition(
        frozenset({LicenceStatus.GRANTED, LicenceStatus.ACTIVE, LicenceStatus.SUSPENDED}),
        LicenceStatus.EXPIRED,
    ),
    "renew": Transition(frozenset({LicenceStatus.EXPIRED}), LicenceStatus.GRANTED),
}

# Module operations that a *suspended* licence refuses. Everything else (reading
# people and history, downloading the orientation folder) stays allowed, so a
# suspended partner can still look after the people it already has.
NEW_WORK_OPERATIONS = frozenset({"intake", "match", "directory", "logo", "programme"})


class LicenceRequired(Problem):
    """The tenant has no licence in force for the model behind a module."""

    status = 403
    code = "licence_required"


def today() -> date:
    """Today in Finland: licences end at midnight Finnish time, not UTC."""
    return datetime.now(FINLAND).date()


def _require_cross_tenant() -> None:
    # Transitions write audit events into two tenants; outside cross_tenant the
    # tenant filter (and row-level security) would refuse the second one.
    if not context.current().cross_tenant:
        raise RuntimeError("licence changes must run inside context.cross_tenant(...)")


# --- programme models -------------------------------------------------------


def create_model(session: Session, *, actor: Actor, **fields: Any) -> ProgrammeModel:
    """Publish a programme model owned by the actor's organisation (a model owner)."""
    owner = session.get(Tenant, actor.tenant_id)
    if owner is None or owner.kind != TenantKind.MODEL_OWNER:
        raise Forbidden("Only a model owner organisation can own a model.", code="not_model_owner")
    name = fields["name"].strip()
    if session.scalar(select(ProgrammeModel.id).where(ProgrammeModel.name == name)):
        raise Conflict("A model with this name exists already.", code="model_name_taken")
    model = ProgrammeModel(
        owner_tenant_id=owner.id,
        **{k: v for k, v in fields.items() if k in MODEL_FIELDS},
    )
    model.name = name
    session.add(model)
    session.flush()
    audit.record(
        session,
        "programme_model_created",
        tenant_id=owner.id,
        actor_id=actor.user_id,
        target_type="programme_model",
        target_id=model.id,
        name=name,
    )
    return model


def require_owner(model: ProgrammeModel, actor: Actor) -> None:
    """Only the model owner's own staff act for the owner."""
    if actor.tenant_id != model.owner_tenant_id:
        raise Forbidden("Only the model owner may do this.", code="not_model_owner")


def update_model(
    session: Session, model: ProgrammeModel, changes: dict[str, Any], *, actor: Actor
) -> ProgrammeModel:
    """Edit a model's texts (its owner only)."""
    require_owner(model, actor)
    if "name" in changes:
        name = changes["name"].strip()
        taken = session.scalar(
            select(ProgrammeModel.id).where(
                ProgrammeModel.name == name, ProgrammeModel.id != model.id
            )
        )
        if taken:
            raise Conflict("A model with this name exists already.", code="model_name_taken")
        changes = {**changes, "name": name}
    for key, value in changes.items():
        if key in MODEL_FIELDS:
            setattr(model, key, value)
    return model


def can_see_model(session: Session, model_id: uuid.UUID, tenant_id: uuid.UUID) -> bool:
    """The full model row: its owner and every tenant that has applied for it."""
    model = session.get(ProgrammeModel, model_id)
    if model is None:
        return False
    if model.owner_tenant_id == tenant_id:
        return True
    return (
        session.scalar(
            select(Licence.id)
            .where(Licence.model_id == model_id, Licence.partner_tenant_id == tenant_id)
            .limit(1)
        )
        is not None
    )


# --- licences ---------------------------------------------------------------


def apply_for_licence(
    session: Session,
    *,
    actor: Actor,
    model_id: uuid.UUID,
    area: str,
    note: str = "",
) -> Licence:
    """A partner applies for the right to run a model in an area."""
    _require_cross_tenant()
    partner = session.get(Tenant, actor.tenant_id)
    if partner is None or partner.kind != TenantKind.PARTNER:
        raise Forbidden("Only partner organisations apply for licences.", code="not_a_partner")
    model = session.get(ProgrammeModel, model_id)
    if model is None:
        raise NotFound("No such programme model.")
    area = area.strip()
    if not area:
        raise ValidationFailed(
            "Name the area.", code="area_required", errors={"json": {"area": ["Name the area."]}}
        )
    existing = session.scalar(
        select(Licence.id).where(
            Licence.model_id == model.id,
            Licence.partner_tenant_id == partner.id,
            func.lower(Licence.area) == area.lower(),
            Licence.status.in_(LIVE),
        )
    )
    if existing:
        raise Conflict(
            "Your organisation already has a licence or application for this model and area.",
            code="licence_exists",
        )
    licence = Licence(
        model_id=model.id,
        partner_tenant_id=partner.id,
        area=area,
        status=LicenceStatus.APPLIED,
        application_note=note,
    )
    session.add(licence)
    session.flush()
    for kind in ConditionKind:
        session.add(LicenceCondition(licence_id=licence.id, kind=kind))
    _course_already_done(session, licence, actor)
    _log(session, licence, model, actor, "apply", None, note)
    return licence


def _course_already_done(session: Session, licence: Licence, actor: Actor) -> None:
    """A coordinator trained earlier (e.g. for a licence in another town) counts."""
    done = session.scalar(
        select(CourseEnrolment)
        .join(ModelCourse, ModelCourse.id == CourseEnrolment.course_id)
        .where(
            CourseEnrolment.partner_tenant_id == licence.partner_tenant_id,
            CourseEnrolment.status == EnrolmentStatus.COMPLETED,
            ModelCourse.model_id == licence.model_id,
        )
        .order_by(CourseEnrolment.completed_at)
        .limit(1)
    )
    if done is None:
        return
    condition = _condition(session, licence, ConditionKind.COURSE_COMPLETED)
    condition.satisfied_at = done.completed_at
    condition.satisfied_by = done.completed_by
    condition.note = f"model course completed by {done.participant_name}"


def change_status(
    session: Session,
    licence: Licence,
    action: str,
    *,
    actor: Actor,
    reason: str = "",
    valid_until: date | None = None,
) -> Licence:
    """Apply one owner action (`TRANSITIONS`) to a licence.

    Raises `Conflict(code="invalid_transition")` when the licence's status does
    not allow the action. `valid_until` is taken by "grant" and "renew".
    """
    _require_cross_tenant()
    if action not in TRANSITIONS:
        raise ValueError(f"unknown licence action {action!r}")
    model = session.get(ProgrammeModel, licence.model_id)
    assert model is not None  # a foreign key guarantees it
    if actor is not SYSTEM:
        require_owner(model, actor)
    move = TRANSITIONS[action]
    if licence.status not in move.sources:
        raise Conflict(
            f"A licence that is {licence.status.value} cannot be {action}ed.",
            code="invalid_transition",
        )
    if action in ("grant", "renew"):
        if valid_until is not None and valid_until < today():
            raise ValidationFailed(
                "The end date is in the past.",
                code="invalid_date",
                errors={"json": {"valid_until": ["The end date is in the past."]}},
            )
        licence.valid_until = valid_until
    old = licence.status
    _set_status(licence, move.target)
    _log(session, licence, model, actor, action, old, reason)
    if move.target == LicenceStatus.GRANTED:
        _activate_if_ready(session, licence, model, actor)
    return licence


def _set_status(licence: Licence, status: LicenceStatus) -> None:
    licence.status = status
    licence.status_changed_at = utcnow()


def _condition(session: Session, licence: Licence, kind: ConditionKind) -> LicenceCondition:
    condition = session.scalar(
        select(LicenceCondition).where(
            LicenceCondition.licence_id == licence.id, LicenceCondition.kind == kind
        )
    )
    assert condition is not None  # created with the licence
    return condition


def conditions_of(session: Session, licence_id: uuid.UUID) -> list[LicenceCondition]:
    return list(
        session.scalars(
            select(LicenceCondition)
            .where(LicenceCondition.licence_id == licence_id)
            .order_by(LicenceCondition.kind)
        )
    )


def events_of(session: Session, licence_id: uuid.UUID) -> list[LicenceEvent]:
    return list(
        session.scalars(
            select(LicenceEvent)
            .where(LicenceEvent.licence_id == licence_id)
            .order_by(LicenceEvent.at, LicenceEvent.id)
        )
    )


def _activate_if_ready(
    session: Session, licence: Licence, model: ProgrammeModel, actor: Actor
) -> None:
    """GRANTED becomes ACTIVE the moment the last condition is met."""
    if licence.status != LicenceStatus.GRANTED:
        return
    session.flush()
    if all(c.satisfied_at is not None for c in conditions_of(session, licence.id)):
        _set_status(licence, LicenceStatus.ACTIVE)
        _log(
            session, licence, model, actor, "activate", LicenceStatus.GRANTED, "all conditions met"
        )


def satisfy_condition(
    session: Session,
    licence: Licence,
    kind: ConditionKind,
    *,
    actor: Actor,
    note: str = "",
) -> LicenceCondition:
    """Mark one condition met (once: the first who/when is kept) and activate if ready."""
    _require_cross_tenant()
    if licence.status not in LIVE:
        raise Conflict(
            f"A licence that is {licence.status.value} takes no more conditions.",
            code="invalid_transition",
        )
    model = session.get(ProgrammeModel, licence.model_id)
    assert model is not None
    condition = _condition(session, licence, kind)
    if condition.satisfied_at is None:
        condition.satisfied_at = utcnow()
        condition.satisfied_by = actor.user_id
        condition.satisfied_by_tenant_id = actor.tenant_id
        condition.note = note
        _log(session, licence, model, actor, f"condition:{kind.value}", licence.status, note)
        _activate_if_ready(session, licence, model, actor)
    return condition


def declare_resources(
    session: Session, licence: Licence, *, actor: Actor, resources: str
) -> Licence:
    """The partner declares its resources (paid worker, premises, supervision)."""
    if actor.tenant_id != licence.partner_tenant_id:
        raise Forbidden("Only the licensee declares its resources.", code="not_licensee")
    licence.resources = resources.strip()
    satisfy_condition(
        session, licence, ConditionKind.RESOURCES_DECLARED, actor=actor, note="resources declared"
    )
    return licence


def record_agreement(
    session: Session, licence: Licence, *, actor: Actor, signed_on: date, note: str = ""
) -> Licence:
    """The owner records that the cooperation agreement (yhteistoimintasopimus) is signed."""
    model = session.get(ProgrammeModel, licence.model_id)
    assert model is not None
    require_owner(model, actor)
    if signed_on > today():
        raise ValidationFailed(
            "The agreement cannot be signed in the future.",
            code="invalid_date",
            errors={"json": {"signed_on": ["The date is in the future."]}},
        )
    text = f"signed on {signed_on.isoformat()}" + (f": {note}" if note else "")
    satisfy_condition(session, licence, ConditionKind.AGREEMENT_SIGNED, actor=actor, note=text)
    return licence


def update_listing(session: Session, licence: Licence, *, actor: Actor, how_to_apply: str) -> None:
    """The partner edits how people get in touch, as shown on the national directory."""
    if actor.tenant_id != licence.partner_tenant_id:
        raise Forbidden("Only the licensee edits its listing.", code="not_licensee")
    licence.how_to_apply = how_to_apply.strip()


def expire_due_licences(session: Session, *, on: date | None = None) -> list[Licence]:
    """Expire every licence whose last valid day is past (for a daily scheduled job)."""
    on = on or today()
    due = session.scalars(
        select(Licence).where(
            Licence.valid_until.is_not(None),
            Licence.valid_until < on,
            Licence.status.in_(TRANSITIONS["expire"].sources),
        )
    ).all()
    for licence in due:
        change_status(session, licence, "expire", actor=SYSTEM, reason="validity ended")
    return list(due)


def _log(
    session: Session,
    licence: Licence,
    model: ProgrammeModel,
    actor: Actor,
    action: str,
    old: LicenceStatus | None,
    reason: str,
) -> None:
    event = LicenceEvent(
        licence_id=licence.id,
        actor_id=actor.user_id,
        actor_tenant_id=actor.tenant_id,
        action=action,
        from_status=old.value if old else None,
        to_status=licence.status.value,
        reason=reason,
    )
    session.add(event)
    notify_licence_change(session, licence, model, event)


def notify_licence_change(
    session: Session, licence: Licence, model: ProgrammeModel, event: LicenceEvent
) -> None:
    """Tell both sides about a licence change, in the caller's transaction.

    Every event is written to the audit log of the owner's and of the
    partner's tenant. A change of status (a decision: applied, reviewed,
    granted, activated, suspended, reinstated, revoked, expired, renewed,
    rejected) is also notified (`licence_changed`: in-app and email) to the
    partner's tenant admins and the owner's staff: one outbox row per person,
    emitted in that person's tenant, keyed by the event id so it is sent once.
    """
    for tenant_id in {model.owner_tenant_id, licence.partner_tenant_id}:
        audit.record(
            session,
            "licence_changed",
            tenant_id=tenant_id,
            actor_id=event.actor_id,
            target_type="licence",
            target_id=licence.id,
            action_taken=event.action,
            old=event.from_status,
            new=event.to_status,
            reason=event.reason,
            model=model.name,
        )
    if event.from_status == event.to_status:
        return  # a condition met: history and audit, not a decision to announce
    if event.id is None:
        event.id = uuid.uuid4()
    partner_name = session.scalar(select(Tenant.name).where(Tenant.id == licence.partner_tenant_id))
    params = {
        "licence_id": str(licence.id),
        "model": model.name,
        "partner": partner_name or "",
        "area": licence.area,
        "status": event.to_status,
        "reason": event.reason,
    }
    recipients = session.execute(
        select(User.id, User.tenant_id).where(
            User.status == UserStatus.ACTIVE,
            ((User.tenant_id == licence.partner_tenant_id) & (User.role == Role.TENANT_ADMIN))
            | ((User.tenant_id == model.owner_tenant_id) & (User.role == Role.OWNER_STAFF)),
        )
    ).all()
    for user_id, tenant_id in sorted(recipients):
        notifications.notify(
            session,
            "licence_changed",
            user_id=user_id,
            params=params,
            delivery_key=f"licence_changed:{event.id}:{user_id}",
            tenant_id=tenant_id,
        )


_STATUS_LABELS = {
    LicenceStatus.APPLIED: lambda: _("applied for"),
    LicenceStatus.UNDER_REVIEW: lambda: _("under review"),
    LicenceStatus.GRANTED: lambda: _("granted (conditions pending)"),
    LicenceStatus.ACTIVE: lambda: _("active"),
    LicenceStatus.SUSPENDED: lambda: _("suspended"),
    LicenceStatus.REVOKED: lambda: _("revoked"),
    LicenceStatus.EXPIRED: lambda: _("expired"),
    LicenceStatus.REJECTED: lambda: _("rejected"),
}


@notifications.kind(
    "licence_changed", channels=(notifications.Channel.EMAIL, notifications.Channel.IN_APP)
)
def _render_licence_changed(params: dict[str, Any]) -> tuple[str, str]:
    label = _STATUS_LABELS.get(LicenceStatus(params["status"]), lambda: params["status"])()
    subject = _(
        "Licence for %(model)s in %(area)s: %(status)s",
        model=params["model"],
        area=params["area"],
        status=label,
    )
    body = _(
        "Hello,\n\nThe licence of %(partner)s to run %(model)s in %(area)s is now: "
        "%(status)s.\nReason given: %(reason)s\n\nThe licence and its history are in "
        "Tukiverkko under licences.",
        partner=params["partner"],
        model=params["model"],
        area=params["area"],
        status=label,
        reason=params["reason"] or "-",
    )
    return subject, body


# --- enforcement ------------------------------------------------------------


def in_force(licence: Licence, on: date | None = None) -> bool:
    """Active and not past its end date (even before the expiry job has run)."""
    return licence.status == LicenceStatus.ACTIVE and (
        licence.valid_until is None or licence.valid_until >= (on or today())
    )


def require_active_licence(
    session: Session,
    tenant_id: uuid.UUID,
    module_key: str,
    operation: str,
    *,
    model_id: uuid.UUID | None = None,
) -> Licence:
    """The licence that lets `tenant_id` do `operation` in the module `module_key`.

    Every module operation calls this first. New work ("intake", "match",
    "directory", "logo") needs an active licence; other operations (reads of
    one's own people and history, the orientation folder) also accept a
    suspended one. `model_id` narrows the check to one model (its materials).
    Raises `LicenceRequired` (403, `licence_required`) otherwise.
    """
    stmt = (
        select(Licence)
        .join(ProgrammeModel, ProgrammeModel.id == Licence.model_id)
        .where(
            Licence.partner_tenant_id == tenant_id,
            ProgrammeModel.module_key == module_key,
            Licence.status.in_((LicenceStatus.ACTIVE, LicenceStatus.SUSPENDED)),
        )
        .order_by(Licence.created_at)
    )
    if model_id is not None:
        stmt = stmt.where(Licence.model_id == model_id)
    licences = session.scalars(stmt).all()
    on = today()
    for licence in licences:
        if in_force(licence, on):
            return licence
    not_ended = [lic for lic in licences if lic.valid_until is None or lic.valid_until >= on]
    if not_ended and operation not in NEW_WORK_OPERATIONS:
        return not_ended[0]
    names = ", ".join(
        session.scalars(
            select(ProgrammeModel.name)
            .where(ProgrammeModel.module_key == module_key)
            .order_by(ProgrammeModel.name)
        )
    )
    model = names or module_key
    if not_ended:
        raise LicenceRequired(
            f"Your organisation's licence for {model} is suspended: new intakes, matches,"
            " directory listings and use of the logo are stopped until the model owner"
            " reinstates it. Your people and history stay readable."
        )
    raise LicenceRequired(
        f"Your organisation has no active licence for {model}. An organisation admin can"
        " apply for one: see the model in GET /api/v1/programme-models and send"
        " POST /api/v1/licences with its id and your area; the model owner then reviews"
        " the application."
    )


# --- owner overview ---------------------------------------------------------

# Counts per licence that other parts of the platform contribute. Each function
# gets (session, licences) inside `cross_tenant` and returns a count per licence
# id (missing means 0): never a row, a name or a person's id. One query for the
# whole page, so the overview runs the same number of queries for 3 partners as
# for 300. The primitives register theirs (active volunteers, active matches,
# meetings in the last 90 days, trained volunteers this year) in
# platform/primitives/overview.py.
PartnerCount = Callable[[Session, list[Licence]], dict[uuid.UUID, int]]
PARTNER_COUNTS: dict[str, PartnerCount] = {}
# Counts about the partner's people (volunteers, families, meetings) are shown to
# the owner as "<5" when small (platform/reports/suppression.py); counts about the
# owner's own business with the partner (its course completions) are not.
PEOPLE_COUNTS: set[str] = set()


def load_partner_counts() -> None:
    """Import the modules that register counts (as `notifications.load_kinds` does)."""
    import tukiverkko.platform.primitives.overview  # noqa: F401


def register_partner_count(
    name: str, *, about_people: bool = True
) -> Callable[[PartnerCount], PartnerCount]:
    """Add a named count to the owner overview (see PARTNER_COUNTS)."""

    def register(fn: PartnerCount) -> PartnerCount:
        PARTNER_COUNTS[name] = fn
        if about_people:
            PEOPLE_COUNTS.add(name)
        else:
            PEOPLE_COUNTS.discard(name)
        return fn

    return register


@register_partner_count("trained_coordinators", about_people=False)
def _trained_coordinators(session: Session, licences: list[Licence]) -> dict[uuid.UUID, int]:
    rows = session.execute(
        select(Licence.id, func.count(func.distinct(CourseEnrolment.user_id)))
        .join(ModelCourse, ModelCourse.model_id == Licence.model_id)
        .join(
            CourseEnrolment,
            and_(
                CourseEnrolment.course_id == ModelCourse.id,
                CourseEnrolment.partner_tenant_id == Licence.partner_tenant_id,
            ),
        )
        .where(
            Licence.id.in_([licence.id for licence in licences]),
            CourseEnrolment.status == EnrolmentStatus.COMPLETED,
        )
        .group_by(Licence.id)
    )
    return {licence_id: int(count) for licence_id, count in rows}


def partner_overview(
    session: Session,
    model: ProgrammeModel,
    *,
    actor: Actor,
    limit: int,
    cursor: str | None,
) -> dict[str, Any]:
    """One page of the model's licences: partner, licence status and counts only.

    Runs inside `cross_tenant` because the registered counts read the
    partners' tenant-owned rows; what leaves this function is numbers, and
    counts about people under 5 leave as "<5" (`owner_counts`).
    """
    require_owner(model, actor)
    _require_cross_tenant()
    page = paginate(
        session,
        select(Licence).where(Licence.model_id == model.id),
        created=Licence.created_at,
        ident=Licence.id,
        limit=limit,
        cursor=cursor,
    )
    rows = partner_figures_many(session, page["items"])
    for row in rows:
        row["counts"] = owner_counts(row["counts"])
    page["items"] = rows
    return page


def owner_counts(counts: dict[str, int]) -> dict[str, str]:
    """What a model owner sees of a partner's counts: people-counts under 5 as "<5"."""
    from tukiverkko.platform.reports.suppression import suppress

    return {
        name: suppress(value) if name in PEOPLE_COUNTS else str(value)
        for name, value in counts.items()
    }


def partner_figures(session: Session, licence: Licence) -> dict[str, Any]:
    """The overview row of one licence, with the exact counts (for the partner's own use)."""
    return partner_figures_many(session, [licence])[0]


def partner_figures_many(session: Session, licences: list[Licence]) -> list[dict[str, Any]]:
    """The overview rows of `licences`, exact counts: a fixed number of queries for any page."""
    load_partner_counts()
    ids = [licence.id for licence in licences]
    names = tenants_named(session, (licence.partner_tenant_id for licence in licences))
    met: dict[uuid.UUID, int] = dict.fromkeys(ids, 0)
    if ids:
        for licence_id, count in session.execute(
            select(LicenceCondition.licence_id, func.count(LicenceCondition.id))
            .where(LicenceCondition.licence_id.in_(ids), LicenceCondition.satisfied_at.is_not(None))
            .group_by(LicenceCondition.licence_id)
        ):
            met[licence_id] = int(count)
    counts = {name: fn(session, licences) if ids else {} for name, fn in PARTNER_COUNTS.items()}
    return [
        {
            "licence_id": licence.id,
            "partner_name": names.get(licence.partner_tenant_id, ""),
            "area": licence.area,
            "status": licence.status,
            "valid_until": licence.valid_until,
            "conditions_met": met[licence.id],
            "counts": {
                name: int(counts[name].get(licence.id, 0)) for name in sorted(PARTNER_COUNTS)
            },
        }
        for licence in licences
    ]


def licences_visible_to(tenant_id: uuid.UUID) -> Any:
    """A where-clause: licences a tenant may list (its own, or of the models it owns)."""
    owned = select(ProgrammeModel.id).where(ProgrammeModel.owner_tenant_id == tenant_id)
    return (Licence.partner_tenant_id == tenant_id) | Licence.model_id.in_(owned)


def tenants_named(session: Session, ids: Iterable[uuid.UUID]) -> dict[uuid.UUID, str]:
    ids = set(ids)
    if not ids:
        return {}
    return dict(session.execute(select(Tenant.id, Tenant.name).where(Tenant.id.in_(ids))).all())
