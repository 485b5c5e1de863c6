"""Mieskaverit®'s pages, through the plugin contract: the volunteer's gender and age.

The coordinator records what the volunteer stated (gender, year of birth,
an ID seen when he turns 18 this year) on the core's volunteer page: the
module adds its section there (`volunteer_panel`, rendered by the core for
volunteers of a Mieskaverit® programme) and its form posts here. Approval
needs these facts (the model takes adult men: `service.volunteer_is_adult_man`).

The route keeps the address it had when the core drew the form
(`/t/<slug>/work/volunteers/<id>/facts`); the core's frame checks sign-in,
the permission and that the volunteer is visible, as for the core's pages.
"""

from __future__ import annotations

import uuid
from typing import Any

from flask import flash, g, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from markupsafe import Markup
from sqlalchemy import select
from sqlalchemy.orm import Session
from wtforms import BooleanField, IntegerField, SelectField
from wtforms.validators import DataRequired, NumberRange

from tukiverkko.modules.mentor_buddy import service
from tukiverkko.modules.mentor_buddy.models import Gender, VolunteerFacts
from tukiverkko.platform import context
from tukiverkko.platform.db import get_database, get_or_404
from tukiverkko.platform.errors import Problem
from tukiverkko.platform.pages import coordinator
from tukiverkko.platform.pages.frame import FORM_NOT_VALID, page_principal, signed_in, tenant_pages
from tukiverkko.platform.pages.problem_text import show_problem
from tukiverkko.platform.permissions import Permission
from tukiverkko.platform.primitives.models import Programme, Volunteer
from tukiverkko.tenants.licensing import require_active_licence

blp = tenant_pages("mentor_buddy_pages", __name__, "/work")
# The module's templates (`templates/mentor_buddy/…`), found by Flask through the blueprint.
blp.template_folder = "templates"

# Where a refused or invalid form waits for the page to be drawn again (this request only).
_SUBMITTED = "mentor_buddy_facts_form"


class FactsForm(FlaskForm):
    """What the volunteer stated (the model takes adult men)."""

    gender = SelectField(
        _l("Gender"),
        choices=[("man", _l("Man")), ("woman", _l("Woman")), ("other", _l("Other"))],
    )
    birth_year = IntegerField(
        _l("Year of birth"), validators=[DataRequired(), NumberRange(min=1900, max=2100)]
    )
    adult_confirmed = BooleanField(_l("He is 18 or over"))


def _stored_form(facts: VolunteerFacts | None) -> FactsForm:
    if facts is None:
        return FactsForm(formdata=None)
    return FactsForm(
        formdata=None,
        data={
            "gender": facts.gender.value,
            "birth_year": facts.birth_year,
            "adult_confirmed": facts.adult_confirmed,
        },
    )


def volunteer_panel(db: Session, programme: Programme, volunteer: Volunteer) -> Markup | None:
    """The section "gender and age" of the coordinator's volunteer page (one query).

    After a refused or invalid post the form shows what the coordinator typed.
    """
    if programme.module_key != service.KEY:
        return None
    form = g.get(_SUBMITTED)
    if form is None:
        facts = db.scalar(select(VolunteerFacts).where(VolunteerFacts.volunteer_id == volunteer.id))
        form = _stored_form(facts)
    return Markup(
        render_template("mentor_buddy/facts_panel.html", volunteer=volunteer, facts_form=form)
    )


@blp.post("/volunteers/<uuid:volunteer_id>/facts")
@signed_in(Permission.MANAGE_VOLUNTEERS)
def volunteer_facts(volunteer_id: uuid.UUID) -> Any:
    """Record the stated facts (the API's `PUT /mentor-buddy/volunteers/{id}/facts`), PRG."""
    form = FactsForm()
    if not form.validate_on_submit():
        g.setdefault(_SUBMITTED, form)
        return coordinator.volunteer_page(volunteer_id, str(FORM_NOT_VALID), 422)
    principal = page_principal()
    assert principal is not None  # @signed_in ran first
    try:
        with get_database().unit_of_work() as db:
            volunteer = get_or_404(db, Volunteer, volunteer_id)
            programme = get_or_404(db, Programme, volunteer.programme_id)
            service.require_mentor_buddy(programme)
            require_active_licence(db, context.current().tenant_id, service.KEY, "volunteers")  # type: ignore[arg-type]
            service.record_facts(
                db,
                volunteer,
                gender=Gender(form.gender.data),
                birth_year=form.birth_year.data,
                adult_confirmed=bool(form.adult_confirmed.data),
                actor_id=principal.user_id,
            )
    except Problem as problem:
        error = show_problem(form, problem)
        g.setdefault(_SUBMITTED, form)
        return coordinator.volunteer_page(volunteer_id, error, 422)
    flash(_("The details are saved."))
    return redirect(url_for("coordinator_pages.volunteer_record", volunteer_id=volunteer_id))
