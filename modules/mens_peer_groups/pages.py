"""Toiminnan Miehet's pages, through the plugin contract: the phone volunteer's shifts.

`/t/<slug>/me/phone-line`: a phone volunteer of the MIESluuri line sees the
upcoming shifts (soonest first, places taken), signs up, reports an absence
(the place frees and the other phone volunteers are asked to replace him:
`service.report_absence`) and reads and acknowledges his rights and duties,
which the first sign-up needs. The menu shows the page only to volunteers of
a Toiminnan Miehet programme.

Views are thin: the same service calls as the API (`api.py`), one unit of
work each; shift ids in the URL are checked by the API's visibility rule
(`phone_shift_id`: a volunteer reaches only his own programme's shifts).
"""

from __future__ import annotations

import uuid
from typing import Any

from flask import flash, g, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext
from flask_wtf import FlaskForm
from sqlalchemy import select, tuple_
from sqlalchemy.orm import Session
from werkzeug.wrappers import Response
from wtforms import BooleanField, HiddenField
from wtforms.validators import DataRequired

# The API module registers the `phone_shift_id` visibility check used below.
from tukiverkko.modules.mens_peer_groups import api as _api  # noqa: F401
from tukiverkko.modules.mens_peer_groups import service
from tukiverkko.modules.mens_peer_groups.models import PhoneShift, ShiftSignup, SignupStatus
from tukiverkko.platform.db import get_database, get_or_404, utcnow
from tukiverkko.platform.errors import NotFound, Problem
from tukiverkko.platform.identity.service import Principal
from tukiverkko.platform.pages.common import register_filters
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
from tukiverkko.platform.pages.problem_text import problem_message
from tukiverkko.platform.pagination import _decode, _encode
from tukiverkko.platform.permissions import Permission
from tukiverkko.platform.primitives.models import Programme, Volunteer, VolunteerStatus
from tukiverkko.tenants.licensing import FINLAND, require_active_licence

blp = tenant_pages("mens_peer_groups_pages", __name__, "/me/phone-line")
blp.template_folder = "templates"  # templates/mens_peer_groups/…
register_filters(blp)

PAGE_SIZE = 20

# This module's words for the problems its pages meet (the shared sentences otherwise).
PROBLEM_WORDS: dict[str, Any] = {
    "rights_not_acknowledged": _l(
        "Read your rights and duties and acknowledge them before your first shift."
    ),
    "rights_version_outdated": _l(
        "The rights and duties have changed: read the current text and acknowledge it."
    ),
    "shift_full": _l("The shift is full."),
    "shift_started": _l("The shift has already started."),
    "already_signed_up": _l("You are already on this shift."),
    "not_on_shift": _l("You are not on this shift."),
    "volunteer_not_approved": _l("Shifts are for approved phone volunteers."),
}


class AcknowledgeForm(FlaskForm):
    """The volunteer says he has read the text shown (its version travels with the form)."""

    version = HiddenField(validators=[DataRequired()])
    read = BooleanField(
        _l("I have read my rights and duties."),
        validators=[DataRequired(message=_l("Tick the box when you have read them."))],
    )


def phone_volunteer(db: Session, principal: Principal) -> Volunteer | None:
    """The person's newest volunteer record (not ended) in a Toiminnan Miehet programme."""
    return db.scalar(
        select(Volunteer)
        .join(Programme, Programme.id == Volunteer.programme_id)
        .where(
            Volunteer.user_id == principal.user_id,
            Volunteer.status != VolunteerStatus.ENDED,
            Programme.module_key == service.KEY,
        )
        .order_by(Volunteer.created_at.desc(), Volunteer.id.desc())
        .limit(1)
    )


def _runs_the_line(principal: Principal) -> bool:
    """Menu: only for a volunteer of a Toiminnan Miehet programme (one query per page)."""
    cached = g.get("mens_peer_groups_menu")
    if cached is None:
        with get_database().unit_of_work() as db:
            cached = phone_volunteer(db, principal) is not None
        g.mens_peer_groups_menu = cached
    return bool(cached)


nav_item(
    _l("Phone line shifts"),
    "mens_peer_groups_pages.shifts",
    Permission.OWN_VOLUNTEERING,
    13,
    when=_runs_the_line,
)


def _mine(db: Session, operation: str) -> Volunteer:
    """The signed-in phone volunteer's record, with the tenant's licence of the model."""
    volunteer = phone_volunteer(db, _me())
    if volunteer is None:
        raise NotFound(_("You are not a volunteer of the phone line."))
    require_active_licence(db, volunteer.tenant_id, service.KEY, operation)
    return volunteer


def upcoming_shifts(db: Session, programme_id: uuid.UUID, cursor: str | None) -> dict[str, Any]:
    """One page of the programme's shifts not yet over, soonest first (keyset, one query)."""
    stmt = select(PhoneShift).where(
        PhoneShift.programme_id == programme_id, PhoneShift.ends_at > utcnow()
    )
    if cursor:
        at, last = _decode(cursor)
        stmt = stmt.where(tuple_(PhoneShift.starts_at, PhoneShift.id) > tuple_(at, last))
    rows = list(db.scalars(stmt.order_by(PhoneShift.starts_at, PhoneShift.id).limit(PAGE_SIZE + 1)))
    more = len(rows) > PAGE_SIZE
    rows = rows[:PAGE_SIZE]
    return {
        "items": rows,
        "next_cursor": _encode(rows[-1].starts_at, rows[-1].id) if more else None,
    }


def _shifts_page(ack_form: AcknowledgeForm | None = None, error: str | None = None) -> Any:
    with get_database().unit_of_work() as db:
        volunteer = _mine(db, "read")
        programme = get_or_404(db, Programme, volunteer.programme_id)
        rights = service.rights_and_duties(db, volunteer)
        page = upcoming_shifts(db, programme.id, request.args.get("cursor") or None)
        mine = {
            s.shift_id: s
            for s in db.scalars(
                select(ShiftSignup).where(
                    ShiftSignup.volunteer_id == volunteer.id,
                    ShiftSignup.shift_id.in_([shift.id for shift in page["items"]]),
                )
            )
        }
    if ack_form is None:
        ack_form = AcknowledgeForm(formdata=None, data={"version": rights["version"]})
    rows = [
        {
            "shift": shift,
            "signup": mine.get(shift.id),
            "on_shift": (
                mine.get(shift.id) is not None and mine[shift.id].status == SignupStatus.SIGNED_UP
            ),
            "free": max(shift.places - shift.taken, 0),
            # The evening's end as Finns read it (the start is shown with its date).
            "ends": shift.ends_at.astimezone(FINLAND).strftime("%H:%M"),
        }
        for shift in page["items"]
    ]
    return render_template(
        "mens_peer_groups/shifts.html",
        programme=programme,
        rights=rights,
        rows=rows,
        next_cursor=page["next_cursor"],
        ack_form=ack_form,
        action_form=ActionForm(),
        error=error,
    ), (422 if error else 200)


@blp.get("/")
@signed_in(Permission.OWN_VOLUNTEERING)
def shifts() -> Any:
    """Upcoming shifts, the volunteer's own sign-ups, and his rights and duties."""
    return _shifts_page()


@blp.post("/acknowledgement")
@signed_in(Permission.OWN_VOLUNTEERING)
def acknowledge() -> Any:
    """The volunteer acknowledges the version of the rights and duties he was shown."""
    form = AcknowledgeForm()
    if not form.validate_on_submit():
        return _shifts_page(form, str(FORM_NOT_VALID))
    try:
        with get_database().unit_of_work() as db:
            service.acknowledge(db, _mine(db, "volunteers"), version=form.version.data)
    except Problem as problem:
        return _shifts_page(form, problem_message(problem, PROBLEM_WORDS))
    flash(_("Thank you: your acknowledgement is recorded."))
    return redirect(url_for("mens_peer_groups_pages.shifts"))


def _act(phone_shift_id: uuid.UUID, action: Any) -> Response:
    """A shift's button: the service call in one unit of work, the outcome flashed, back (PRG)."""
    if not ActionForm().validate_on_submit():
        flash(_("The form expired. Try again."), "error")
        return redirect(url_for("mens_peer_groups_pages.shifts"))
    try:
        with get_database().unit_of_work() as db:
            volunteer = _mine(db, "shifts")
            shift = get_or_404(db, PhoneShift, phone_shift_id)
            outcome = action(db, shift, volunteer)
    except Problem as problem:
        flash(problem_message(problem, PROBLEM_WORDS), "error")
    else:
        flash(outcome)
    return redirect(url_for("mens_peer_groups_pages.shifts"))


@blp.post("/shifts/<uuid:phone_shift_id>/signup")
@signed_in(Permission.OWN_VOLUNTEERING)
def sign_up(phone_shift_id: uuid.UUID) -> Response:
    """Take a place on the shift (the rights and duties acknowledged first)."""

    def run(db: Session, shift: PhoneShift, volunteer: Volunteer) -> str:
        service.sign_up_for_shift(db, shift, volunteer)
        return _("You are on the shift.")

    return _act(phone_shift_id, run)


@blp.post("/shifts/<uuid:phone_shift_id>/absence")
@signed_in(Permission.OWN_VOLUNTEERING)
def report_absence(phone_shift_id: uuid.UUID) -> Response:
    """He cannot come: the place frees and the other phone volunteers are asked to replace him."""

    def run(db: Session, shift: PhoneShift, volunteer: Volunteer) -> str:
        _signup, asked = service.report_absence(db, shift, volunteer)
        return ngettext(
            "Your absence is reported: %(num)d phone volunteer was asked to replace you.",
            "Your absence is reported: %(num)d phone volunteers were asked to replace you.",
            asked,
        )

    return _act(phone_shift_id, run)
