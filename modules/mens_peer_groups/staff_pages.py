"""Toiminnan Miehet's page for coordinators: planning the MIESluuri phone line's shifts.

`/t/<slug>/work/phone-line`: the upcoming shifts of the organisation's
Toiminnan Miehet programme (`?programme=` picks another one), places taken and
who is on each shift, and a form that lays out the weekly pattern
(`service.create_weekly_shifts`, as the API's `POST …/shifts/weekly`): a shift
on each of two evenings a week for some weeks. Running it again extends the
plan; shifts that exist are kept as they are. The menu shows the page to staff
of organisations that run the programme.
"""

from __future__ import annotations

import uuid
from datetime import time
from typing import Any

from flask import flash, g, redirect, render_template, request, url_for
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext
from flask_wtf import FlaskForm
from sqlalchemy import select
from sqlalchemy.orm import Session
from wtforms import DateField, HiddenField, IntegerField, SelectField, TimeField
from wtforms.validators import DataRequired, NumberRange

from tukiverkko.modules.mens_peer_groups import service
from tukiverkko.modules.mens_peer_groups.models import ShiftSignup, SignupStatus
from tukiverkko.modules.mens_peer_groups.pages import upcoming_shifts
from tukiverkko.platform.db import get_database
from tukiverkko.platform.errors import NotFound, Problem
from tukiverkko.platform.pages.common import register_filters
from tukiverkko.platform.pages.frame import (
    FORM_NOT_VALID,
    nav_item,
    page_cursor,
    signed_in,
    signed_in_principal,
    tenant_pages,
)
from tukiverkko.platform.pages.problem_text import show_problem
from tukiverkko.platform.permissions import Permission
from tukiverkko.platform.primitives.models import Programme, Volunteer
from tukiverkko.tenants.licensing import FINLAND, require_active_licence, today

blp = tenant_pages("mens_peer_groups_staff_pages", __name__, "/work/phone-line")
blp.template_folder = "templates"  # templates/mens_peer_groups/…
register_filters(blp)

WEEKDAYS = [
    ("0", _l("Monday")),
    ("1", _l("Tuesday")),
    ("2", _l("Wednesday")),
    ("3", _l("Thursday")),
    ("4", _l("Friday")),
    ("5", _l("Saturday")),
    ("6", _l("Sunday")),
]

PROBLEM_WORDS: dict[str, Any] = {
    "two_evenings_a_week": _l("The line is open on two different evenings a week."),
}


class WeeklyShiftsForm(FlaskForm):
    """The weekly pattern of the line: two evenings, the hours, from which day, how long."""

    programme_id = HiddenField(validators=[DataRequired()])
    first_evening = SelectField(_l("First evening"), choices=WEEKDAYS, default="1")
    second_evening = SelectField(_l("Second evening"), choices=WEEKDAYS, default="3")
    starts = TimeField(_l("Starts"), default=time(18, 0), validators=[DataRequired()])
    ends = TimeField(_l("Ends"), default=time(21, 0), validators=[DataRequired()])
    first_day = DateField(_l("From"), validators=[DataRequired()])
    weeks = IntegerField(
        _l("Weeks"),
        default=8,
        validators=[DataRequired(), NumberRange(min=1, max=service.MAX_WEEKS)],
    )
    places = IntegerField(
        _l("Phone volunteers per shift"),
        default=2,
        validators=[DataRequired(), NumberRange(min=1, max=20)],
    )


def _line_programmes(db: Session) -> list[Programme]:
    """The organisation's Toiminnan Miehet programmes still running, oldest first."""
    return list(
        db.scalars(
            select(Programme)
            .where(Programme.module_key == service.KEY, Programme.retired_at.is_(None))
            .order_by(Programme.created_at, Programme.id)
        )
    )


def _runs_a_line(_principal: Any) -> bool:
    """Menu: only where the organisation runs Toiminnan Miehet (one query per page)."""
    cached = g.get("mens_peer_groups_staff_menu")
    if cached is None:
        with get_database().unit_of_work() as db:
            cached = bool(_line_programmes(db))
        g.mens_peer_groups_staff_menu = cached
    return bool(cached)


nav_item(
    _l("Phone line plan"),
    "mens_peer_groups_staff_pages.plan",
    Permission.MANAGE_PROGRAMMES,
    26,
    when=_runs_a_line,
)


def _chosen(programmes: list[Programme], wanted: str | None) -> Programme:
    """The programme asked for (`?programme=` or the form), else the first; 404 if none."""
    if wanted:
        for programme in programmes:
            if str(programme.id) == wanted:
                return programme
        raise NotFound("No such programme.")
    if not programmes:
        raise NotFound("This organisation does not run Toiminnan Miehet.")
    return programmes[0]


def _plan_page(form: WeeklyShiftsForm | None = None, error: str | None = None) -> Any:
    wanted = form.programme_id.data if form is not None else request.args.get("programme")
    with get_database().unit_of_work() as db:
        programmes = _line_programmes(db)
        g.mens_peer_groups_staff_menu = bool(programmes)  # the menu needs no query of its own
        programme = _chosen(programmes, wanted)
        require_active_licence(db, programme.tenant_id, service.KEY, "read")
        page = upcoming_shifts(db, programme.id, page_cursor())
        shift_ids = [shift.id for shift in page["items"]]
        on_shift: dict[uuid.UUID, list[str]] = {shift_id: [] for shift_id in shift_ids}
        for shift_id, name in db.execute(
            select(ShiftSignup.shift_id, Volunteer.name)
            .join(Volunteer, Volunteer.id == ShiftSignup.volunteer_id)
            .where(
                ShiftSignup.shift_id.in_(shift_ids),
                ShiftSignup.status == SignupStatus.SIGNED_UP,
            )
            .order_by(Volunteer.name)
        ):
            on_shift[shift_id].append(name)
    if form is None:
        form = WeeklyShiftsForm(
            formdata=None, data={"programme_id": str(programme.id), "first_day": today()}
        )
    rows = [
        {
            "shift": shift,
            "names": on_shift[shift.id],
            "ends": shift.ends_at.astimezone(FINLAND).strftime("%H:%M"),
        }
        for shift in page["items"]
    ]
    return render_template(
        "mens_peer_groups/staff_plan.html",
        programmes=programmes,
        programme=programme,
        rows=rows,
        next_cursor=page["next_cursor"],
        form=form,
        error=error,
    ), (422 if error else 200)


@blp.get("/")
@signed_in(Permission.MANAGE_PROGRAMMES)
def plan() -> Any:
    """The line's upcoming shifts and who is on them, with the weekly pattern's form."""
    return _plan_page()


@blp.post("/weekly")
@signed_in(Permission.MANAGE_PROGRAMMES)
def lay_out() -> Any:
    """Lay out (or extend) the weekly pattern of shifts."""
    form = WeeklyShiftsForm()
    if not form.validate():
        return _plan_page(form, str(FORM_NOT_VALID))
    principal = signed_in_principal()
    try:
        with get_database().unit_of_work() as db:
            programme = _chosen(_line_programmes(db), form.programme_id.data)
            require_active_licence(db, programme.tenant_id, service.KEY, "shifts")
            created = service.create_weekly_shifts(
                db,
                programme,
                weekdays=[int(form.first_evening.data), int(form.second_evening.data)],
                starts=form.starts.data,  # type: ignore[arg-type]
                ends=form.ends.data,  # type: ignore[arg-type]
                first_day=form.first_day.data,  # type: ignore[arg-type]
                weeks=int(form.weeks.data),  # type: ignore[arg-type]
                places=int(form.places.data),  # type: ignore[arg-type]
                created_by=principal.user_id,
            )
            programme_id = programme.id
    except Problem as problem:
        return _plan_page(form, show_problem(form, problem, PROBLEM_WORDS))
    flash(
        ngettext(
            "%(num)s new shift is in the plan.", "%(num)s new shifts are in the plan.", len(created)
        )
    )
    return redirect(url_for("mens_peer_groups_staff_pages.plan", programme=programme_id))
