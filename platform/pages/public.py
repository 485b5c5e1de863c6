"""Public pages of a partner (`/t/<slug>/public/…`): programme pages and application forms.

No sign-in. Only an active partner organisation has them (another kind of
organisation, a suspended or closed one: 404). A programme's id is checked
by the public registry (`@public_path_object("programme_id")` in the API:
open for applications and not retired). The forms call the same services
as the public API: a volunteer applies (`volunteers.apply_as_volunteer`),
and a mother — or whoever the programme takes — asks for support
(`intake.start_intake` with the programme's own intake source).
"""

from __future__ import annotations

import uuid
from typing import Any

from flask import g, redirect, render_template, url_for
from flask_babel import get_locale
from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import Session
from werkzeug.wrappers import Response

from tukiverkko.platform import context, plugins
from tukiverkko.platform.db import get_database, get_or_404
from tukiverkko.platform.errors import NotFound, Problem
from tukiverkko.platform.pages.forms_public import (
    SupportApplicationForm,
    VolunteerApplicationForm,
    tags,
)
from tukiverkko.platform.pages.frame import FORM_NOT_VALID, public_page, tenant_pages
from tukiverkko.platform.pages.problem_text import show_problem
from tukiverkko.platform.primitives import notices, public_intake, rate_limits, volunteers
from tukiverkko.platform.primitives.api import background_check_notice
from tukiverkko.platform.primitives.models import CheckTask, IntakeSource, Programme
from tukiverkko.tenants.licensing_models import Licence, LicenceStatus, ProgrammeModel
from tukiverkko.tenants.models import Tenant, TenantKind, TenantStatus

blp = tenant_pages("public_pages", __name__, "/public")

# The public forms speak to applicants, not to the organisation's staff.
APPLICANT_WORDS: dict[str, Any] = {
    "too_many_requests": _l("Too many applications from this address. Please try again later."),
    "licence_required": _l("The organisation cannot take new people into this programme now."),
}


def _partner() -> Tenant:
    """The page's organisation, if it is an active partner (else the usual 404)."""
    tenant: Tenant = g.tenant
    if tenant.kind != TenantKind.PARTNER or tenant.status != TenantStatus.ACTIVE:
        raise NotFound("No such object.")
    return tenant


def _open_programmes(db: Session) -> list[Programme]:
    return list(
        db.scalars(
            select(Programme)
            .where(
                Programme.retired_at.is_(None),
                Programme.accepts_applications.is_(True)
                | Programme.accepts_participant_applications.is_(True),
            )
            .order_by(Programme.name)
            .limit(50)
        )
    )


def describe(db: Session, tenant: Tenant, programme: Programme) -> dict[str, Any]:
    """What the programme page says: the model, its requirements, how to apply."""
    module = plugins.find_module(programme.module_key)
    language = str(get_locale() or "fi")
    licence = db.execute(
        select(ProgrammeModel.name, ProgrammeModel.description, Licence.how_to_apply)
        .join(Licence, Licence.model_id == ProgrammeModel.id)
        .where(
            Licence.partner_tenant_id == tenant.id,
            ProgrammeModel.module_key == programme.module_key,
            Licence.status == LicenceStatus.ACTIVE,
        )
        .limit(1)
    ).first()
    return {
        "programme": programme,
        "module_name": getattr(module.names, language, module.names.fi) if module else "",
        "model_name": (licence.name if licence else None) or (module.model if module else ""),
        "model_description": licence.description if licence else "",
        "how_to_apply": licence.how_to_apply if licence else "",
        "volunteer_requirements": module.volunteer_requirements if module else (),
        "participant_requirements": module.participant_requirements if module else (),
        "takes_volunteers": programme.accepts_applications,
        "takes_participants": _participant_source(programme) is not None
        and programme.accepts_participant_applications,
        "check_notice": background_check_notice() if programme.background_check_required else None,
        "privacy_url": f"/t/{tenant.slug}/privacy",
    }


def _participant_source(programme: Programme) -> IntakeSource | None:
    """Who applies on the public form: the guardian herself, else the person themself."""
    for source in (IntakeSource.GUARDIAN, IntakeSource.SELF):
        if source in programme.intake_sources:
            return source
    return None  # referral only: not through a public form


@blp.get("/")
@public_page
def programmes() -> Any:
    tenant = _partner()
    with context.bind(tenant_id=tenant.id), get_database().unit_of_work() as db:
        found = [describe(db, tenant, p) for p in _open_programmes(db)]
    return render_template("pages/public/programmes.html", programmes=found)


@blp.get("/programmes/<uuid:programme_id>")
@public_page
def programme(programme_id: uuid.UUID) -> Any:
    tenant = _partner()
    with context.bind(tenant_id=tenant.id), get_database().unit_of_work() as db:
        info = describe(db, tenant, get_or_404(db, Programme, programme_id))
        tasks = (
            db.scalars(
                select(CheckTask.name)
                .where(CheckTask.retired_at.is_(None))
                .order_by(CheckTask.created_at)
                .limit(50)
            ).all()
            if info["check_notice"]
            else []
        )
    return render_template("pages/public/programme.html", tasks=tasks, **info)


@blp.route("/programmes/<uuid:programme_id>/volunteer", methods=["GET", "POST"])
@public_page
def volunteer_application(programme_id: uuid.UUID) -> Any:
    tenant = _partner()
    form = VolunteerApplicationForm()
    error, status = None, 200
    with context.bind(tenant_id=tenant.id), get_database().unit_of_work() as db:
        info = describe(db, tenant, get_or_404(db, Programme, programme_id))
    if not info["takes_volunteers"]:
        raise NotFound("No such object.")
    if form.validate_on_submit():
        try:
            rate_limits.check_request("volunteer", tenant.id)  # before anything is written
            with context.bind(tenant_id=tenant.id), get_database().unit_of_work() as db:
                programme = get_or_404(db, Programme, programme_id)
                volunteer = volunteers.apply_as_volunteer(
                    db,
                    programme,
                    consent_processing=form.consent_processing.data,
                    consent_background_check=form.consent_background_check.data,
                    background_check_notice_acknowledged=(
                        form.background_check_notice_acknowledged.data
                    ),
                    name=form.name.data.strip(),
                    email=form.email.data.strip(),
                    phone=(form.phone.data or "").strip(),
                    postcode=(form.postcode.data or "").strip(),
                    languages=tags(form.languages.data),
                    interests=tags(form.interests.data),
                )
                notices.application_received(
                    db, volunteer, programme, language=notices.request_language()
                )
        except Problem as problem:
            error, status = show_problem(form, problem, APPLICANT_WORDS), _status(problem)
        else:
            return _thanks("volunteer", programme_id)
    elif form.is_submitted():
        error, status = str(FORM_NOT_VALID), 422
    return render_template(
        "pages/public/volunteer_form.html", form=form, error=error, **info
    ), status


@blp.route("/programmes/<uuid:programme_id>/apply", methods=["GET", "POST"])
@public_page
def support_application(programme_id: uuid.UUID) -> Any:
    tenant = _partner()
    form = SupportApplicationForm()
    error, status = None, 200
    with context.bind(tenant_id=tenant.id), get_database().unit_of_work() as db:
        programme = get_or_404(db, Programme, programme_id)
        info = describe(db, tenant, programme)
        source = _participant_source(programme)
        module = plugins.find_module(programme.module_key)
    if not info["takes_participants"] or source is None or module is None:
        raise NotFound("No such object.")
    if form.validate_on_submit():
        try:
            rate_limits.check_request("participant", tenant.id)  # before anything is written
            with context.bind(tenant_id=tenant.id), get_database().unit_of_work() as db:
                programme = get_or_404(db, Programme, programme_id)
                # The same service as the public API: consent, a way to call back, the
                # programme's intake sources and the model's rules, the coordinators told.
                public_intake.apply_as_participant(
                    db,
                    programme,
                    source=source,
                    kind=module.participant_kind,
                    consent_processing=bool(form.consent_processing.data),
                    applicant_name=form.contact_name.data,
                    name=form.name.data.strip(),
                    birth_year=form.birth_year.data,
                    postcode=(form.postcode.data or "").strip(),
                    interests=tags(form.interests.data),
                    contact_phone=(form.contact_phone.data or "").strip(),
                    contact_email=(form.contact_email.data or "").strip(),
                )
        except Problem as problem:
            error, status = show_problem(form, problem, APPLICANT_WORDS), _status(problem)
        else:
            return _thanks("support", programme_id)
    elif form.is_submitted():
        error, status = str(FORM_NOT_VALID), 422
    return render_template(
        "pages/public/support_form.html",
        form=form,
        error=error,
        guardian=source == IntakeSource.GUARDIAN,
        **info,
    ), status


def _status(problem: Problem) -> int:
    """422 for what the applicant can fix in the form; 429 when the address sent too many."""
    return 429 if problem.status == 429 else 422


def _thanks(kind: str, programme_id: uuid.UUID) -> Response:
    # POST-redirect-GET: a reload does not send the application twice.
    return redirect(url_for("public_pages.thanks", kind=kind, programme_id=programme_id))


@blp.get("/programmes/<uuid:programme_id>/thanks/<any(volunteer, support):kind>")
@public_page
def thanks(programme_id: uuid.UUID, kind: str) -> Any:
    tenant = _partner()
    with context.bind(tenant_id=tenant.id), get_database().unit_of_work() as db:
        info = describe(db, tenant, get_or_404(db, Programme, programme_id))
    return render_template("pages/public/thanks.html", kind=kind, **info)
