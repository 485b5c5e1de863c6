"""The coordinator's pages (`/t/<slug>/work/…`): what needs action, people, matching, activities.

- The work queue: new applications, volunteers waiting for an interview,
  the background check, training or approval, offers waiting for an
  answer, matches below their cadence (oldest silence first) and extracts
  about to pass the programme's maximum age. A fixed number of queries.
- Volunteer records: interview notes, the background check (ONLY that the
  extract was shown and its issue date; who saw it is the signed-in
  coordinator), training attendance and completion, approval.
- Participant records, with sensitive notes for coordinators only, the
  ranked suggestions with their explanations, and the match's answers.
- Events, supervision and training sessions with attendance.

Views are thin: each calls the service the API calls, in one unit of work.
"""

from __future__ import annotations

import uuid
from datetime import date, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select
from sqlalchemy.orm import Session, joinedload
from werkzeug.wrappers import Response

from tukiverkko.platform import plugins
from tukiverkko.platform.db import get_database, get_or_404, utcnow
from tukiverkko.platform.errors import Problem
from tukiverkko.platform.identity.models import User
from tukiverkko.platform.pages.common import page_of, register_filters
from tukiverkko.platform.pages.forms_coordinator import (
    BackgroundCheckForm,
    EventForm,
    MemberForm,
    NoteForm,
    ParticipantAcceptForm,
    SupervisionGroupForm,
    SupervisionSessionForm,
    TrainingSessionForm,
)
from tukiverkko.platform.pages.forms_volunteer import ActionForm
from tukiverkko.platform.pages.frame import (
    FORM_NOT_VALID,
    nav_item,
    signed_in,
    tenant_pages,
)
from tukiverkko.platform.pages.frame import (
    signed_in_principal as _me,
)
from tukiverkko.platform.pages.problem_text import problem_message, show_problem
from tukiverkko.platform.permissions import Permission, allows
from tukiverkko.platform.primitives import (
    events,
    followup,
    intake,
    matching,
    screening,
    supervision,
    training,
    volunteers,
)
from tukiverkko.platform.primitives.models import (
    OPEN_MATCH_STATUSES,
    BackgroundCheck,
    Curriculum,
    Enrolment,
    EnrolmentStatus,
    InterviewNote,
    Match,
    MatchStatus,
    Participant,
    ParticipantNote,
    ParticipantStatus,
    Programme,
    TrainingCompletion,
    TrainingSession,
    Volunteer,
    VolunteerStatus,
)
from tukiverkko.platform.primitives.models_followup import (
    Event,
    EventKind,
    EventSignup,
    SignupStatus,
    SupervisionAttendance,
    SupervisionGroup,
    SupervisionMember,
    SupervisionSession,
)

blp = tenant_pages("coordinator_pages", __name__, "/work")
register_filters(blp)

nav_item(_l("Needs action"), "coordinator_pages.work", Permission.MANAGE_VOLUNTEERS, 20)
nav_item(_l("Volunteers"), "coordinator_pages.volunteer_list", Permission.MANAGE_VOLUNTEERS, 21)
nav_item(
    _l("Participants"), "coordinator_pages.participant_list", Permission.MANAGE_PARTICIPANTS, 22
)
nav_item(_l("Training sessions"), "coordinator_pages.training_list", Permission.MANAGE_TRAINING, 23)
nav_item(_l("Events"), "coordinator_pages.event_list", Permission.MANAGE_EVENTS, 24)
nav_item(_l("Supervision"), "coordinator_pages.supervision_list", Permission.MANAGE_SUPERVISION, 25)

LOCAL_ZONE = ZoneInfo("Europe/Helsinki")
# As the daily notice (primitives/notices.py): warn 30 days before an extract gets too old.
CHECK_WARNING_DAYS = 30
QUEUE_SIZE = 10

VOLUNTEER_STATUS = {
    VolunteerStatus.APPLIED: _l("Applied"),
    VolunteerStatus.INTERVIEWED: _l("Interviewed"),
    VolunteerStatus.SCREENED: _l("Background checked"),
    VolunteerStatus.TRAINED: _l("Trained"),
    VolunteerStatus.APPROVED: _l("Approved"),
    VolunteerStatus.ACTIVE: _l("Active"),
    VolunteerStatus.PAUSED: _l("On a break"),
    VolunteerStatus.ENDED: _l("Ended"),
}
PARTICIPANT_STATUS = {
    ParticipantStatus.WAITING: _l("Waiting"),
    ParticipantStatus.MATCHED: _l("Matched"),
    ParticipantStatus.ENDED: _l("Ended"),
}
MATCH_STATUS = {
    MatchStatus.PROPOSED: _l("Proposed"),
    MatchStatus.ACTIVE: _l("Active"),
    MatchStatus.PAUSED: _l("Paused"),
    MatchStatus.DECLINED: _l("Declined"),
    MatchStatus.CLOSED: _l("Closed"),
}
FACTOR_NAMES = {
    "distance": _l("Distance"),
    "languages": _l("Languages"),
    "interests": _l("Interests"),
    "availability": _l("Availability"),
    "capacity": _l("Capacity left"),
}


def _labels() -> dict[str, Any]:
    return {
        "volunteer_status": VOLUNTEER_STATUS,
        "participant_status": PARTICIPANT_STATUS,
        "match_status": MATCH_STATUS,
    }


# ---------------------------------------------------------------------------
# What needs action


def _volunteers_where(db: Session, *conditions: Any, oldest_first: bool = True) -> list[Any]:
    order = Volunteer.status_changed_at if oldest_first else Volunteer.created_at.desc()
    return list(db.scalars(select(Volunteer).where(*conditions).order_by(order).limit(QUEUE_SIZE)))


def expiring_checks(db: Session, today: date) -> list[dict[str, Any]]:
    """Volunteers whose latest extract passes the programme's maximum age within 30 days.

    One query: each volunteer's latest extract date with the programme's
    limit; the date arithmetic is done here (it differs between databases).
    """
    latest = (
        select(
            BackgroundCheck.volunteer_id.label("volunteer_id"),
            func.max(BackgroundCheck.extract_issued_on).label("issued_on"),
        )
        .group_by(BackgroundCheck.volunteer_id)
        .subquery()
    )
    rows = db.execute(
        select(Volunteer, latest.c.issued_on, Programme.extract_max_age_days)
        .join(latest, latest.c.volunteer_id == Volunteer.id)
        .join(Programme, Programme.id == Volunteer.programme_id)
        .where(
            Volunteer.status != VolunteerStatus.ENDED,
            Programme.background_check_required.is_(True),
        )
    ).all()
    found = []
    for volunteer, issued_on, max_age in rows:
        issued = issued_on if isinstance(issued_on, date) else date.fromisoformat(str(issued_on))
        expires_on = issued + timedelta(days=max_age)
        if expires_on <= today + timedelta(days=CHECK_WARNING_DAYS):
            found.append({"volunteer": volunteer, "expires_on": expires_on})
    found.sort(key=lambda row: row["expires_on"])
    return found[:QUEUE_SIZE]


def work_queue(db: Session, today: date | None = None) -> dict[str, Any]:
    """Everything that waits for a coordinator, each list short and oldest first."""
    today = today or utcnow().astimezone(LOCAL_ZONE).date()
    open_match = select(Match.participant_id).where(Match.status.in_(OPEN_MATCH_STATUSES))
    return {
        "new_participants": list(
            db.scalars(
                select(Participant)
                .where(
                    Participant.status == ParticipantStatus.WAITING,
                    Participant.id.not_in(open_match),
                )
                .order_by(Participant.status_changed_at)
                .limit(QUEUE_SIZE)
            )
        ),
        "to_interview": _volunteers_where(db, Volunteer.status == VolunteerStatus.APPLIED),
        "to_check": _volunteers_where(
            db,
            Volunteer.status.in_((VolunteerStatus.INTERVIEWED, VolunteerStatus.TRAINED)),
            Volunteer.check_recorded_at.is_(None),
        ),
        "to_train": _volunteers_where(
            db,
            Volunteer.status.in_((VolunteerStatus.INTERVIEWED, VolunteerStatus.SCREENED)),
            Volunteer.training_completed_at.is_(None),
        ),
        "to_approve": _volunteers_where(db, Volunteer.status == VolunteerStatus.TRAINED),
        "offers": list(
            db.scalars(
                select(Match)
                .options(joinedload(Match.volunteer), joinedload(Match.participant))
                .where(Match.status == MatchStatus.PROPOSED)
                .order_by(Match.created_at)
                .limit(QUEUE_SIZE)
            )
        ),
        "below_cadence": followup.below_cadence(db, limit=QUEUE_SIZE, cursor=None, today=today)[
            "items"
        ],
        "expiring": expiring_checks(db, today),
    }


@blp.get("/")
@signed_in(Permission.MANAGE_VOLUNTEERS)
def work() -> Any:
    with get_database().unit_of_work() as db:
        queue = work_queue(db)
    return render_template("pages/coordinator/work.html", **queue, **_labels())


# ---------------------------------------------------------------------------
# Volunteers


@blp.get("/volunteers")
@signed_in(Permission.MANAGE_VOLUNTEERS)
def volunteer_list() -> Any:
    status = request.args.get("status")
    stmt = select(Volunteer)
    if status in {s.value for s in VolunteerStatus}:
        stmt = stmt.where(Volunteer.status == VolunteerStatus(status))
    with get_database().unit_of_work() as db:
        page = page_of(db, stmt, created=Volunteer.created_at, ident=Volunteer.id)
    return render_template(
        "pages/coordinator/volunteers.html",
        page=page,
        status=status,
        statuses=list(VolunteerStatus),
        **_labels(),
    )


def _names(db: Session, ids: set[uuid.UUID]) -> dict[uuid.UUID, str]:
    """Names of the staff who wrote notes or saw extracts: one query."""
    if not ids:
        return {}
    rows = db.execute(select(User.id, User.name).where(User.id.in_(ids))).all()
    return {user_id: name for user_id, name in rows}


def _volunteer_page(volunteer_id: uuid.UUID, forms: dict[str, Any], status: int = 200) -> Any:
    with get_database().unit_of_work() as db:
        volunteer = get_or_404(db, Volunteer, volunteer_id)
        programme = get_or_404(db, Programme, volunteer.programme_id)
        notes = db.scalars(
            select(InterviewNote)
            .where(InterviewNote.volunteer_id == volunteer.id)
            .order_by(InterviewNote.created_at.desc())
            .limit(50)
        ).all()
        checks = db.scalars(
            select(BackgroundCheck)
            .where(BackgroundCheck.volunteer_id == volunteer.id)
            .order_by(BackgroundCheck.seen_at.desc())
            .limit(20)
        ).all()
        curricula = db.scalars(
            select(Curriculum)
            .where(Curriculum.programme_id == programme.id, Curriculum.retired_at.is_(None))
            .order_by(Curriculum.created_at)
        ).all()
        done = set(
            db.scalars(
                select(TrainingCompletion.curriculum_id).where(
                    TrainingCompletion.volunteer_id == volunteer.id
                )
            )
        )
        enrolments = db.execute(
            select(Enrolment, TrainingSession)
            .join(TrainingSession, TrainingSession.id == Enrolment.session_id)
            .where(
                Enrolment.volunteer_id == volunteer.id,
                Enrolment.status != EnrolmentStatus.CANCELLED,
            )
            .order_by(TrainingSession.starts_at)
        ).all()
        upcoming = db.scalars(
            select(TrainingSession)
            .join(Curriculum, Curriculum.id == TrainingSession.curriculum_id)
            .where(
                Curriculum.programme_id == programme.id,
                TrainingSession.cancelled_at.is_(None),
            )
            .order_by(TrainingSession.starts_at.desc())
            .limit(20)
        ).all()
        matches = db.scalars(
            select(Match)
            .options(joinedload(Match.participant))
            .where(Match.volunteer_id == volunteer.id)
            .order_by(Match.created_at.desc())
            .limit(20)
        ).all()
        # A module's own section (Mieskaverit®'s gender and age…), through the plugin contract.
        module_panel = plugins.volunteer_panel(db, programme, volunteer)
        names = _names(db, {n.author_id for n in notes} | {c.seen_by for c in checks})
    curriculum_names = {c.id: c.name for c in curricula}
    enrolled = {s.id for _e, s in enrolments}
    by_curriculum: dict[uuid.UUID, list[Any]] = {}
    for enrolment, session in enrolments:
        by_curriculum.setdefault(session.curriculum_id, []).append((enrolment, session))
    return render_template(
        "pages/coordinator/volunteer.html",
        volunteer=volunteer,
        programme=programme,
        notes=notes,
        checks=checks,
        names=names,
        training=[
            {
                "curriculum": c,
                "done": c.id in done,
                "enrolments": by_curriculum.get(c.id, []),
                "attended": any(
                    e.status == EnrolmentStatus.ATTENDED for e, _s in by_curriculum.get(c.id, [])
                ),
            }
            for c in curricula
        ],
        sessions=[
            (s, curriculum_names.get(s.curriculum_id, "")) for s in upcoming if s.id not in enrolled
        ],
        matches=matches,
        module_panel=module_panel,
        action_form=ActionForm(),
        note_form=forms.get("note") or NoteForm(formdata=None),
        check_form=forms.get("check") or BackgroundCheckForm(formdata=None),
        error=forms.get("error"),
        **_labels(),
    ), status


def volunteer_page(volunteer_id: uuid.UUID, error: str | None = None, status: int = 200) -> Any:
    """The volunteer's page, with `error` at the top: for a module's form that failed.

    A module's panel posts to the module's own view; on a refused or invalid
    form that view renders this page again (422), its panel showing the form
    as typed.
    """
    return _volunteer_page(volunteer_id, {"error": error}, status)


@blp.get("/volunteers/<uuid:volunteer_id>")
@signed_in(Permission.MANAGE_VOLUNTEERS)
def volunteer_record(volunteer_id: uuid.UUID) -> Any:
    return _volunteer_page(volunteer_id, {})


def _volunteer_form(
    volunteer_id: uuid.UUID, key: str, form: Any, run: Any, success: str, permission: Permission
) -> Any:
    """A form on the volunteer's page: valid → service → back (PRG); else the page, 422.

    `permission` was checked by the view's `@signed_in`; it is named here for the reader.
    """
    del permission
    if form.validate_on_submit():
        try:
            with get_database().unit_of_work() as db:
                volunteer = get_or_404(db, Volunteer, volunteer_id)
                programme = get_or_404(db, Programme, volunteer.programme_id)
                run(db, volunteer, programme)
        except Problem as problem:
            error = show_problem(form, problem)
            return _volunteer_page(volunteer_id, {key: form, "error": error}, 422)
        flash(success)
        return redirect(url_for("coordinator_pages.volunteer_record", volunteer_id=volunteer_id))
    return _volunteer_page(volunteer_id, {key: form, "error": str(FORM_NOT_VALID)}, 422)


@blp.post("/volunteers/<uuid:volunteer_id>/interview")
@signed_in(Permission.MANAGE_VOLUNTEERS)
def interview(volunteer_id: uuid.UUID) -> Any:
    form = NoteForm()

    def run(db: Session, volunteer: Volunteer, programme: Programme) -> None:
        volunteers.add_interview_note(
            db, volunteer, programme, author_id=_me().user_id, text=form.text.data
        )

    return _volunteer_form(
        volunteer_id, "note", form, run, _("The note is saved."), Permission.MANAGE_VOLUNTEERS
    )


@blp.post("/volunteers/<uuid:volunteer_id>/check")
@signed_in(Permission.RECORD_BACKGROUND_CHECKS)
def background_check(volunteer_id: uuid.UUID) -> Any:
    form = BackgroundCheckForm()

    def run(db: Session, volunteer: Volunteer, programme: Programme) -> None:
        # Only the issue date is taken from the form: who saw it and when are not typed.
        screening.record_check(
            db,
            volunteer,
            programme,
            extract_issued_on=form.extract_issued_on.data,
            seen_by=_me().user_id,
        )

    return _volunteer_form(
        volunteer_id,
        "check",
        form,
        run,
        _("The background check is recorded."),
        Permission.RECORD_BACKGROUND_CHECKS,
    )


def _back_to_volunteer(volunteer_id: uuid.UUID) -> Response:
    return redirect(url_for("coordinator_pages.volunteer_record", volunteer_id=volunteer_id))


def _button(run: Any, success: str, back: Response) -> Response:
    """A button (CSRF only): the service in one unit of work, the outcome flashed, PRG."""
    if not ActionForm().validate_on_submit():
        flash(_("The form expired. Try again."), "error")
        return back
    try:
        with get_database().unit_of_work() as db:
            run(db)
    except Problem as problem:
        flash(problem_message(problem), "error")
    else:
        flash(success)
    return back


@blp.post("/volunteers/<uuid:volunteer_id>/enrol")
@signed_in(Permission.MANAGE_TRAINING)
def enrol_volunteer(volunteer_id: uuid.UUID) -> Response:
    session_id = request.form.get("session_id", "")

    def run(db: Session) -> None:
        try:
            session = db.get(TrainingSession, uuid.UUID(session_id))
        except ValueError:
            session = None
        if session is None:
            raise Problem("No such session.", code="validation_failed")
        training.enrol(db, session, get_or_404(db, Volunteer, volunteer_id))

    return _button(run, _("The volunteer is enrolled."), _back_to_volunteer(volunteer_id))


@blp.post("/volunteers/<uuid:volunteer_id>/training/<uuid:curriculum_id>/complete")
@signed_in(Permission.MANAGE_TRAINING)
def complete_training(volunteer_id: uuid.UUID, curriculum_id: uuid.UUID) -> Response:
    def run(db: Session) -> None:
        volunteer = get_or_404(db, Volunteer, volunteer_id)
        programme = get_or_404(db, Programme, volunteer.programme_id)
        curriculum = get_or_404(db, Curriculum, curriculum_id)
        training.complete(db, volunteer, curriculum, programme, recorded_by=_me().user_id)

    return _button(run, _("The training is marked done."), _back_to_volunteer(volunteer_id))


@blp.post("/volunteers/<uuid:volunteer_id>/approve")
@signed_in(Permission.MANAGE_VOLUNTEERS)
def approve(volunteer_id: uuid.UUID) -> Response:
    def run(db: Session) -> None:
        volunteer = get_or_404(db, Volunteer, volunteer_id)
        programme = get_or_404(db, Programme, volunteer.programme_id)
        volunteers.approve(db, volunteer, programme, actor_id=_me().user_id)

    return _button(run, _("The volunteer is approved."), _back_to_volunteer(volunteer_id))


@blp.post("/training/enrolments/<uuid:training_enrolment_id>/attendance")
@signed_in(Permission.MANAGE_TRAINING)
def training_attendance(training_enrolment_id: uuid.UUID) -> Response:
    attended = request.form.get("attended") == "1"
    back = request.form.get("back") == "session"
    with get_database().unit_of_work() as db:
        enrolment = get_or_404(db, Enrolment, training_enrolment_id)
        target = (
            url_for("coordinator_pages.training_session", training_session_id=enrolment.session_id)
            if back
            else url_for("coordinator_pages.volunteer_record", volunteer_id=enrolment.volunteer_id)
        )

    def run(db: Session) -> None:
        training.record_attendance(
            db, get_or_404(db, Enrolment, training_enrolment_id), attended=attended
        )

    return _button(run, _("Attendance is recorded."), redirect(target))


# ---------------------------------------------------------------------------
# Participants and matching


@blp.get("/participants")
@signed_in(Permission.MANAGE_PARTICIPANTS)
def participant_list() -> Any:
    status = request.args.get("status")
    stmt = select(Participant)
    if status in {s.value for s in ParticipantStatus}:
        stmt = stmt.where(Participant.status == ParticipantStatus(status))
    with get_database().unit_of_work() as db:
        page = page_of(db, stmt, created=Participant.created_at, ident=Participant.id)
    return render_template(
        "pages/coordinator/participants.html",
        page=page,
        status=status,
        statuses=list(ParticipantStatus),
        **_labels(),
    )


def _participant_page(participant_id: uuid.UUID, forms: dict[str, Any], status: int = 200) -> Any:
    principal = _me()
    sensitive = allows(principal.role, Permission.READ_SENSITIVE_NOTES)
    with get_database().unit_of_work() as db:
        participant = get_or_404(db, Participant, participant_id)
        programme = get_or_404(db, Programme, participant.programme_id)
        notes = (
            db.scalars(
                select(ParticipantNote)
                .where(ParticipantNote.participant_id == participant.id)
                .order_by(ParticipantNote.created_at.desc())
                .limit(50)
            ).all()
            if sensitive
            else []
        )
        matches = db.scalars(
            select(Match)
            .options(joinedload(Match.volunteer))
            .where(Match.participant_id == participant.id)
            .order_by(Match.created_at.desc())
            .limit(20)
        ).all()
        names = _names(db, {n.author_id for n in notes})
    open_match = next((m for m in matches if m.status in OPEN_MATCH_STATUSES), None)
    return render_template(
        "pages/coordinator/participant.html",
        participant=participant,
        programme=programme,
        sensitive=sensitive,
        notes=notes,
        names=names,
        matches=matches,
        open_match=open_match,
        can_match=allows(principal.role, Permission.MANAGE_MATCHES),
        note_form=forms.get("note") or NoteForm(formdata=None),
        accept_form=forms.get("accept") or ParticipantAcceptForm(formdata=None),
        action_form=ActionForm(),
        error=forms.get("error"),
        **_labels(),
    ), status


@blp.get("/participants/<uuid:participant_id>")
@signed_in(Permission.MANAGE_PARTICIPANTS)
def participant_record(participant_id: uuid.UUID) -> Any:
    return _participant_page(participant_id, {})


@blp.post("/participants/<uuid:participant_id>/notes")
@signed_in(Permission.READ_SENSITIVE_NOTES)
def participant_note(participant_id: uuid.UUID) -> Any:
    form = NoteForm()
    if form.validate_on_submit():
        with get_database().unit_of_work() as db:
            participant = get_or_404(db, Participant, participant_id)
            intake.add_note(db, participant, author_id=_me().user_id, text=form.text.data)
        flash(_("The note is saved."))
        return redirect(
            url_for("coordinator_pages.participant_record", participant_id=participant_id)
        )
    return _participant_page(participant_id, {"note": form, "error": str(FORM_NOT_VALID)}, 422)


@blp.get("/participants/<uuid:participant_id>/suggestions")
@signed_in(Permission.MANAGE_MATCHES)
def suggestions(participant_id: uuid.UUID) -> Any:
    """The ranked volunteers for a participant, each score explained factor by factor."""
    error = None
    with get_database().unit_of_work() as db:
        participant = get_or_404(db, Participant, participant_id)
        programme = get_or_404(db, Programme, participant.programme_id)
        try:
            found = matching.suggest(db, programme, participant, limit=10)
        except Problem as problem:
            found, error = [], problem_message(problem)
        taken = matching.open_match_of_participant(db, participant.id)
    return render_template(
        "pages/coordinator/suggestions.html",
        participant=participant,
        suggestions=found,
        factor_names=FACTOR_NAMES,
        taken=taken,
        error=error,
        action_form=ActionForm(),
    )


@blp.post("/participants/<uuid:participant_id>/propose/<uuid:volunteer_id>")
@signed_in(Permission.MANAGE_MATCHES)
def propose(participant_id: uuid.UUID, volunteer_id: uuid.UUID) -> Response:
    def run(db: Session) -> None:
        participant = get_or_404(db, Participant, participant_id)
        volunteer = get_or_404(db, Volunteer, volunteer_id)
        programme = get_or_404(db, Programme, participant.programme_id)
        matching.propose(db, programme, participant, volunteer, actor_id=_me().user_id)

    back = redirect(url_for("coordinator_pages.participant_record", participant_id=participant_id))
    return _button(run, _("The match is proposed. Both sides now answer."), back)


@blp.post("/matches/<uuid:match_id>/participant-accept")
@signed_in(Permission.MANAGE_MATCHES)
def participant_accept(match_id: uuid.UUID) -> Any:
    """Record that the participant's side accepted (also their consent to share contacts)."""
    form = ParticipantAcceptForm()
    with get_database().unit_of_work() as db:
        participant_id = get_or_404(db, Match, match_id).participant_id
    if form.validate_on_submit():
        try:
            with get_database().unit_of_work() as db:
                match = get_or_404(db, Match, match_id)
                matching.accept_for_participant(
                    db, match, given_by=form.given_by.data, actor_id=_me().user_id
                )
        except Problem as problem:
            error = show_problem(form, problem)
            return _participant_page(participant_id, {"accept": form, "error": error}, 422)
        flash(_("The answer is recorded."))
        return redirect(
            url_for("coordinator_pages.participant_record", participant_id=participant_id)
        )
    return _participant_page(participant_id, {"accept": form, "error": str(FORM_NOT_VALID)}, 422)


@blp.post("/matches/<uuid:match_id>/participant-decline")
@signed_in(Permission.MANAGE_MATCHES)
def participant_decline(match_id: uuid.UUID) -> Response:
    with get_database().unit_of_work() as db:
        participant_id = get_or_404(db, Match, match_id).participant_id

    def run(db: Session) -> None:
        matching.decline(db, get_or_404(db, Match, match_id), side="participant",
                         actor_id=_me().user_id)  # fmt: skip

    back = redirect(url_for("coordinator_pages.participant_record", participant_id=participant_id))
    return _button(run, _("The answer is recorded."), back)


# ---------------------------------------------------------------------------
# Training sessions, events and supervision, with attendance


def _programme_choices(db: Session) -> list[tuple[str, str]]:
    return [
        (str(p.id), p.name)
        for p in db.scalars(
            select(Programme).where(Programme.retired_at.is_(None)).order_by(Programme.name)
        )
    ]


def _local_to_utc(value: Any) -> Any:
    """A time typed in a `datetime-local` field is Finnish local time."""
    return value.replace(tzinfo=LOCAL_ZONE).astimezone(ZoneInfo("UTC"))


@blp.route("/training", methods=["GET", "POST"])
@signed_in(Permission.MANAGE_TRAINING)
def training_list() -> Any:
    form = TrainingSessionForm()
    with get_database().unit_of_work() as db:
        curricula = db.scalars(
            select(Curriculum).where(Curriculum.retired_at.is_(None)).order_by(Curriculum.name)
        ).all()
        form.curriculum_id.choices = [(str(c.id), c.name) for c in curricula]
    error, status = None, 200
    if form.validate_on_submit():
        try:
            with get_database().unit_of_work() as db:
                curriculum = get_or_404(db, Curriculum, uuid.UUID(form.curriculum_id.data))
                training.create_session(
                    db,
                    curriculum,
                    starts_at=_local_to_utc(form.starts_at.data),
                    location=form.location.data or "",
                    capacity=form.capacity.data,
                )
        except Problem as problem:
            error, status = show_problem(form, problem), 422
        else:
            flash(_("The session is scheduled."))
            return redirect(url_for("coordinator_pages.training_list"))
    elif form.is_submitted():
        error, status = str(FORM_NOT_VALID), 422
    with get_database().unit_of_work() as db:
        page = page_of(
            db,
            select(TrainingSession).where(TrainingSession.cancelled_at.is_(None)),
            created=TrainingSession.created_at,
            ident=TrainingSession.id,
        )
    names = {c.id: c.name for c in curricula}
    return render_template(
        "pages/coordinator/training.html", page=page, names=names, form=form, error=error
    ), status


@blp.get("/training/sessions/<uuid:training_session_id>")
@signed_in(Permission.MANAGE_TRAINING)
def training_session(training_session_id: uuid.UUID) -> Any:
    with get_database().unit_of_work() as db:
        session = get_or_404(db, TrainingSession, training_session_id)
        curriculum = get_or_404(db, Curriculum, session.curriculum_id)
        rows = db.execute(
            select(Enrolment, Volunteer.name)
            .join(Volunteer, Volunteer.id == Enrolment.volunteer_id)
            .where(Enrolment.session_id == session.id)
            .order_by(Volunteer.name)
        ).all()
    return render_template(
        "pages/coordinator/training_session.html",
        session=session,
        curriculum=curriculum,
        rows=rows,
        action_form=ActionForm(),
    )


@blp.route("/events", methods=["GET", "POST"])
@signed_in(Permission.MANAGE_EVENTS)
def event_list() -> Any:
    form = EventForm()
    with get_database().unit_of_work() as db:
        form.programme_id.choices = _programme_choices(db)
    error, status = None, 200
    if form.validate_on_submit():
        try:
            with get_database().unit_of_work() as db:
                programme = get_or_404(db, Programme, uuid.UUID(form.programme_id.data))
                events.create_event(
                    db,
                    programme,
                    kind=EventKind(form.kind.data),
                    title=form.title.data,
                    description="",
                    starts_at=_local_to_utc(form.starts_at.data),
                    location=form.location.data or "",
                    capacity=form.capacity.data,
                    created_by=_me().user_id,
                )
        except Problem as problem:
            error, status = show_problem(form, problem), 422
        else:
            flash(_("The event is created."))
            return redirect(url_for("coordinator_pages.event_list"))
    elif form.is_submitted():
        error, status = str(FORM_NOT_VALID), 422
    with get_database().unit_of_work() as db:
        page = page_of(
            db,
            select(Event).where(Event.cancelled_at.is_(None)),
            created=Event.created_at,
            ident=Event.id,
        )
    return render_template(
        "pages/coordinator/events.html", page=page, form=form, error=error
    ), status


@blp.get("/events/<uuid:event_id>")
@signed_in(Permission.MANAGE_EVENTS)
def event_page(event_id: uuid.UUID) -> Any:
    with get_database().unit_of_work() as db:
        event = get_or_404(db, Event, event_id)
        rows = db.execute(
            select(EventSignup, Volunteer.name, Participant.name)
            .outerjoin(Volunteer, Volunteer.id == EventSignup.volunteer_id)
            .outerjoin(Participant, Participant.id == EventSignup.participant_id)
            .where(EventSignup.event_id == event.id, EventSignup.status != SignupStatus.CANCELLED)
            .order_by(EventSignup.queued_at)
        ).all()
    return render_template(
        "pages/coordinator/event.html", event=event, rows=rows, action_form=ActionForm()
    )


@blp.post("/signups/<uuid:event_signup_id>/attendance")
@signed_in(Permission.MANAGE_EVENTS)
def event_attendance(event_signup_id: uuid.UUID) -> Response:
    attended = request.form.get("attended") == "1"
    with get_database().unit_of_work() as db:
        event_id = get_or_404(db, EventSignup, event_signup_id).event_id

    def run(db: Session) -> None:
        events.record_attendance(
            db, get_or_404(db, EventSignup, event_signup_id), attended=attended
        )

    back = redirect(url_for("coordinator_pages.event_page", event_id=event_id))
    return _button(run, _("Attendance is recorded."), back)


def _open_groups(db: Session) -> list[SupervisionGroup]:
    return list(
        db.scalars(
            select(SupervisionGroup)
            .where(SupervisionGroup.closed_at.is_(None))
            .order_by(SupervisionGroup.name)
            .limit(100)
        )
    )


@blp.route("/supervision", methods=["GET", "POST"])
@signed_in(Permission.MANAGE_SUPERVISION)
def supervision_list() -> Any:
    """Supervision sessions, and the forms to start a group and schedule a session."""
    group_form = SupervisionGroupForm(prefix="group")
    session_form = SupervisionSessionForm(prefix="session")
    with get_database().unit_of_work() as db:
        group_form.programme_id.choices = _programme_choices(db)
        groups = _open_groups(db)
        session_form.group_id.choices = [(str(g.id), g.name) for g in groups]
    error, status = None, 200
    submitted = group_form if "group-name" in request.form else session_form
    if request.method == "POST":
        if submitted.validate_on_submit():
            try:
                with get_database().unit_of_work() as db:
                    if submitted is group_form:
                        programme = get_or_404(
                            db, Programme, uuid.UUID(group_form.programme_id.data)
                        )
                        supervision.create_group(
                            db,
                            programme,
                            name=group_form.name.data,
                            supervisor_name=group_form.supervisor_name.data or "",
                        )
                    else:
                        group = get_or_404(
                            db, SupervisionGroup, uuid.UUID(session_form.group_id.data)
                        )
                        supervision.schedule_session(
                            db,
                            group,
                            starts_at=_local_to_utc(session_form.starts_at.data),
                            location=session_form.location.data or "",
                        )
            except Problem as problem:
                error, status = show_problem(submitted, problem), 422
            else:
                flash(_("Saved."))
                return redirect(url_for("coordinator_pages.supervision_list"))
        else:
            error, status = str(FORM_NOT_VALID), 422
    with get_database().unit_of_work() as db:
        rows = db.execute(
            select(SupervisionSession, SupervisionGroup.name)
            .join(SupervisionGroup, SupervisionGroup.id == SupervisionSession.group_id)
            .where(SupervisionSession.cancelled_at.is_(None))
            .order_by(SupervisionSession.starts_at.desc())
            .limit(50)
        ).all()
    return render_template(
        "pages/coordinator/supervision.html",
        rows=rows,
        groups=groups,
        group_form=group_form,
        session_form=session_form,
        error=error,
    ), status


@blp.route("/supervision/groups/<uuid:supervision_group_id>", methods=["GET", "POST"])
@signed_in(Permission.MANAGE_SUPERVISION)
def supervision_group(supervision_group_id: uuid.UUID) -> Any:
    """A group's members, and adding a volunteer of its programme."""
    form = MemberForm()
    with get_database().unit_of_work() as db:
        group = get_or_404(db, SupervisionGroup, supervision_group_id)
        members = db.scalars(
            select(Volunteer)
            .join(SupervisionMember, SupervisionMember.volunteer_id == Volunteer.id)
            .where(SupervisionMember.group_id == group.id, SupervisionMember.left_at.is_(None))
            .order_by(Volunteer.name)
        ).all()
        form.volunteer_id.choices = [
            (str(v.id), v.name)
            for v in db.scalars(
                select(Volunteer)
                .where(
                    Volunteer.programme_id == group.programme_id,
                    Volunteer.status != VolunteerStatus.ENDED,
                )
                .order_by(Volunteer.name)
                .limit(500)
            )
            if v not in members
        ]
    error, status = None, 200
    if form.validate_on_submit():
        try:
            with get_database().unit_of_work() as db:
                supervision.add_member(
                    db,
                    get_or_404(db, SupervisionGroup, supervision_group_id),
                    get_or_404(db, Volunteer, uuid.UUID(form.volunteer_id.data)),
                )
        except Problem as problem:
            error, status = show_problem(form, problem), 422
        else:
            flash(_("The volunteer is added to the group."))
            return redirect(
                url_for(
                    "coordinator_pages.supervision_group", supervision_group_id=supervision_group_id
                )
            )
    elif form.is_submitted():
        error, status = str(FORM_NOT_VALID), 422
    return render_template(
        "pages/coordinator/supervision_group.html",
        group=group,
        members=members,
        form=form,
        error=error,
    ), status


@blp.get("/supervision/sessions/<uuid:supervision_session_id>")
@signed_in(Permission.MANAGE_SUPERVISION)
def supervision_session(supervision_session_id: uuid.UUID) -> Any:
    with get_database().unit_of_work() as db:
        session = get_or_404(db, SupervisionSession, supervision_session_id)
        group = get_or_404(db, SupervisionGroup, session.group_id)
        rows = db.execute(
            select(Volunteer, SupervisionAttendance.attended)
            .join(SupervisionMember, SupervisionMember.volunteer_id == Volunteer.id)
            .outerjoin(
                SupervisionAttendance,
                (SupervisionAttendance.volunteer_id == Volunteer.id)
                & (SupervisionAttendance.session_id == session.id),
            )
            .where(SupervisionMember.group_id == group.id, SupervisionMember.left_at.is_(None))
            .order_by(Volunteer.name)
        ).all()
    return render_template(
        "pages/coordinator/supervision_session.html",
        session=session,
        group=group,
        rows=rows,
        action_form=ActionForm(),
    )


@blp.post("/supervision/sessions/<uuid:supervision_session_id>/attendance/<uuid:volunteer_id>")
@signed_in(Permission.MANAGE_SUPERVISION)
def supervision_attendance(supervision_session_id: uuid.UUID, volunteer_id: uuid.UUID) -> Response:
    attended = request.form.get("attended") == "1"

    def run(db: Session) -> None:
        supervision.record_attendance(
            db,
            get_or_404(db, SupervisionSession, supervision_session_id),
            get_or_404(db, Volunteer, volunteer_id),
            attended=attended,
            recorded_by=_me().user_id,
        )

    back = redirect(
        url_for(
            "coordinator_pages.supervision_session", supervision_session_id=supervision_session_id
        )
    )
    return _button(run, _("Attendance is recorded."), back)
