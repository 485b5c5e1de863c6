"""The model owner's pages (`/t/<slug>/owner/…`): partners, licences, courses, materials.

A model owner sees its partners' licences and *counts* only, never a
partner's volunteer or participant: the overview comes from
`licensing.partner_overview` (numbers per licence), and the only people named
here are the partners' coordinators on the owner's own model courses (the
owner runs the course). Views are thin: they call the same services as the
API (`tenants/licensing.py`, `courses.py`, `materials.py`, `announcements.py`,
`duties.py`) and render.
"""

from __future__ import annotations

import uuid
from typing import Any

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import Session
from werkzeug.wrappers import Response

from tukiverkko.platform import context
from tukiverkko.platform.db import get_or_404, unit_of_work, utcnow
from tukiverkko.platform.errors import Problem
from tukiverkko.platform.pages.admin_forms import CHANGE_KINDS, DUTY_STATES
from tukiverkko.platform.pages.charts import Bar, chart_figure
from tukiverkko.platform.pages.frame import (
    FORM_NOT_VALID,
    nav_item,
    safe_next,
    signed_in,
    tenant_pages,
)
from tukiverkko.platform.pages.frame import (
    page_cursor as _cursor,
)
from tukiverkko.platform.pages.frame import (
    signed_in_principal as _principal,
)
from tukiverkko.platform.pages.owner_forms import (
    ACTIONS,
    CONDITION,
    FIGURES,
    LICENCE_STATUS,
    MATERIAL_KIND,
    AgreementForm,
    AnnouncementForm,
    ButtonForm,
    CourseForm,
    DecisionForm,
    MaterialForm,
    finnish_to_utc,
    local_time,
)
from tukiverkko.platform.pages.problem_text import problem_message, show_problem
from tukiverkko.platform.pagination import paginate
from tukiverkko.platform.permissions import Permission
from tukiverkko.platform.storage import current_storage
from tukiverkko.tenants import announcements, courses, duties, licensing, materials
from tukiverkko.tenants.duties_models import ChangeReport, ReportStatus, YearlyReport
from tukiverkko.tenants.licensing import TRANSITIONS, Actor
from tukiverkko.tenants.licensing_models import (
    ConditionKind,
    CourseEnrolment,
    EnrolmentStatus,
    Licence,
    LicenceStatus,
    MaterialKind,
    ModelCourse,
    ModelMaterial,
    ProgrammeModel,
)
from tukiverkko.tenants.models import Tenant

blp = tenant_pages("owner_pages", __name__, "/owner")

PAGE_SIZE = 25

# Dates on every page of this package: Finnish time, the reader's language.
blp.add_app_template_filter(local_time, "wb_date")

nav_item(_l("Partners"), "owner_pages.partners", Permission.READ_PARTNER_OVERVIEW, 20)
nav_item(_l("Licences"), "owner_pages.licences", Permission.DECIDE_LICENCES, 21)
nav_item(_l("Model courses"), "owner_pages.courses", Permission.MANAGE_MODELS, 22)
nav_item(_l("Orientation folder"), "owner_pages.materials", Permission.MANAGE_MODELS, 23)
nav_item(_l("Announcements"), "owner_pages.announcements", Permission.ANNOUNCE_TO_PARTNERS, 24)
nav_item(_l("Partner duties"), "owner_pages.duties", Permission.READ_PARTNER_OVERVIEW, 25)

LABELS = {
    "change_kind": CHANGE_KINDS,
    "duty_state": DUTY_STATES,
    "status": LICENCE_STATUS,
    "condition": CONDITION,
    "actions": ACTIONS,
    "figures": FIGURES,
    "material_kind": MATERIAL_KIND,
}


def _actor() -> Actor:
    principal = _principal()
    return Actor(principal.user_id, principal.tenant_id)


def _render(template: str, status: int = 200, **values: Any) -> tuple[str, int]:
    return render_template(template, labels=LABELS, **values), status


def _owned_models(db: Session, tenant_id: uuid.UUID) -> list[ProgrammeModel]:
    return list(
        db.scalars(
            select(ProgrammeModel)
            .where(ProgrammeModel.owner_tenant_id == tenant_id)
            .order_by(ProgrammeModel.name)
        )
    )


def _model_choices(db: Session) -> list[tuple[str, str]]:
    return [(str(m.id), m.name) for m in _owned_models(db, _principal().tenant_id)]


def _chosen_model(models: list[ProgrammeModel], raw: str | None) -> ProgrammeModel | None:
    """The model named by `?model=` among one's own (404 for any other id), or the first."""
    if not raw:
        return models[0] if models else None
    for model in models:
        if str(model.id) == raw:
            return model
    abort(404)


# --- partners and their counts ----------------------------------------------


@blp.get("/partners")
@signed_in(Permission.READ_PARTNER_OVERVIEW)
def partners() -> Any:
    """Every licence of one of the owner's models with the partner's counts, and charts."""
    principal = _principal()
    with context.cross_tenant("owner overview page: counts"), unit_of_work() as db:
        models = _owned_models(db, principal.tenant_id)
        model = _chosen_model(models, request.args.get("model"))
        rows: list[dict[str, Any]] = []
        next_cursor = None
        if model is not None:
            page = licensing.partner_overview(
                db, model, actor=_actor(), limit=PAGE_SIZE, cursor=_cursor()
            )
            rows, next_cursor = page["items"], page["next_cursor"]
            slugs = dict(
                db.execute(
                    select(Licence.id, Tenant.slug)
                    .join(Tenant, Tenant.id == Licence.partner_tenant_id)
                    .where(Licence.id.in_([r["licence_id"] for r in rows]))
                ).all()
            )
            for row in rows:
                row["partner_slug"] = slugs.get(row["licence_id"], "")
    figures = [name for name in FIGURES if any(name in r["counts"] for r in rows)]
    figures += sorted({k for r in rows for k in r["counts"]} - set(figures))
    charts = [
        chart_figure(
            # Only figures shown as numbers are drawn: a "<5" bar would tell its size.
            [
                Bar(f"{r['partner_name']} ({r['area']})", int(r["counts"][name]))
                for r in rows
                if str(r["counts"].get(name, "")).isdigit()
            ],
            title=str(FIGURES[name]),
            css_class=f"chart chart-{name}",
        )
        for name in ("active_volunteers", "active_matches")
        if rows and name in figures
    ]
    return _render(
        "pages/owner/partners.html",
        models=models,
        model=model,
        rows=rows,
        figures=figures,
        charts=charts,
        next_cursor=next_cursor,
    )


# --- licences ---------------------------------------------------------------


@blp.get("/licences")
@signed_in(Permission.DECIDE_LICENCES)
def licences() -> Any:
    """Licences of the owner's models, newest first; `?status=applied` for new applications."""
    principal = _principal()
    status = request.args.get("status") or None
    if status is not None and status not in LicenceStatus.__members__.values():
        abort(404)
    owned = select(ProgrammeModel.id).where(ProgrammeModel.owner_tenant_id == principal.tenant_id)
    stmt = select(Licence).where(Licence.model_id.in_(owned))
    if status is not None:
        stmt = stmt.where(Licence.status == LicenceStatus(status))
    with unit_of_work() as db:
        page = paginate(
            db,
            stmt,
            created=Licence.created_at,
            ident=Licence.id,
            limit=PAGE_SIZE,
            cursor=_cursor(),
        )
        return _render(
            "pages/owner/licences.html",
            licences=page["items"],
            next_cursor=page["next_cursor"],
            status=status,
            statuses=list(LicenceStatus),
        )


def _licence_page(
    licence_id: uuid.UUID,
    *,
    forms: dict[str, Any] | None = None,
    agreement: AgreementForm | None = None,
    error: str | None = None,
    status: int = 200,
) -> tuple[str, int]:
    forms = forms or {}
    with unit_of_work() as db:
        licence = get_or_404(db, Licence, licence_id)
        conditions = licensing.conditions_of(db, licence.id)
        events = list(reversed(licensing.events_of(db, licence.id)))
        # Who acted, by organisation only (the owner or the partner as a whole).
        orgs = licensing.tenants_named(db, {e.actor_tenant_id for e in events if e.actor_tenant_id})
        enrolments = list(
            db.scalars(
                select(CourseEnrolment)
                .join(ModelCourse, ModelCourse.id == CourseEnrolment.course_id)
                .where(
                    ModelCourse.model_id == licence.model_id,
                    CourseEnrolment.partner_tenant_id == licence.partner_tenant_id,
                )
                .order_by(CourseEnrolment.enrolled_at.desc())
            )
        )
        changes = db.scalars(
            select(ChangeReport)
            .where(ChangeReport.licence_id == licence.id)
            .order_by(ChangeReport.created_at.desc())
        ).all()
        reports = db.scalars(
            select(YearlyReport)
            .where(YearlyReport.licence_id == licence.id, YearlyReport.status != ReportStatus.DUE)
            .order_by(YearlyReport.year.desc())
        ).all()
        actions = {
            name: forms.get(name) or DecisionForm(prefix=name, formdata=None)
            for name, move in TRANSITIONS.items()
            if licence.status in move.sources
        }
        agreement_open = licence.status in licensing.LIVE and any(
            c.kind == ConditionKind.AGREEMENT_SIGNED and c.satisfied_at is None for c in conditions
        )
        return _render(
            "pages/owner/licence.html",
            status,
            licence=licence,
            conditions=conditions,
            events=events,
            orgs=orgs,
            enrolments=enrolments,
            changes=changes,
            reports=reports,
            owner_counts=licensing.owner_counts,  # counts about people under 5 read "<5"
            submitted=ReportStatus.SUBMITTED,
            actions=actions,
            agreement=agreement or (AgreementForm(formdata=None) if agreement_open else None),
            button=ButtonForm(),
            error=error,
        )


@blp.get("/licences/<uuid:licence_id>")
@signed_in(Permission.DECIDE_LICENCES)
def licence(licence_id: uuid.UUID) -> Any:
    """One licence: conditions, history, course enrolments and the owner's decisions."""
    return _licence_page(licence_id)


@blp.post("/licences/<uuid:licence_id>/decide/<action>")
@signed_in(Permission.DECIDE_LICENCES)
def decide(licence_id: uuid.UUID, action: str) -> Any:
    """Review, grant, reject, suspend, reinstate, revoke, end or renew, with a reason."""
    if action not in TRANSITIONS:
        abort(404)
    form = DecisionForm(prefix=action)
    if not form.validate_on_submit():
        return _licence_page(
            licence_id, forms={action: form}, error=str(FORM_NOT_VALID), status=422
        )
    try:
        with context.cross_tenant(f"licence {action}"), unit_of_work() as db:
            found = get_or_404(db, Licence, licence_id)
            licensing.change_status(
                db,
                found,
                action,
                actor=_actor(),
                reason=form.reason.data or "",
                valid_until=form.valid_until.data if action in ("grant", "renew") else None,
            )
    except Problem as problem:
        error = show_problem(form, problem)
        return _licence_page(licence_id, forms={action: form}, error=error, status=problem.status)
    flash(_("The licence is now: %(status)s.", status=_status_after(licence_id)))
    return redirect(url_for(".licence", licence_id=licence_id))


def _status_after(licence_id: uuid.UUID) -> str:
    with unit_of_work() as db:
        return str(LICENCE_STATUS[get_or_404(db, Licence, licence_id).status])


@blp.post("/licences/<uuid:licence_id>/agreement")
@signed_in(Permission.DECIDE_LICENCES)
def agreement(licence_id: uuid.UUID) -> Any:
    """Record that the cooperation agreement (yhteistoimintasopimus) is signed."""
    form = AgreementForm()
    if not form.validate_on_submit():
        return _licence_page(licence_id, agreement=form, error=str(FORM_NOT_VALID), status=422)
    try:
        with context.cross_tenant("licence agreement"), unit_of_work() as db:
            found = get_or_404(db, Licence, licence_id)
            licensing.record_agreement(
                db, found, actor=_actor(), signed_on=form.signed_on.data, note=form.note.data or ""
            )
    except Problem as problem:
        error = show_problem(form, problem)
        return _licence_page(licence_id, agreement=form, error=error, status=problem.status)
    flash(_("The signed agreement is recorded."))
    return redirect(url_for(".licence", licence_id=licence_id))


@blp.post("/enrolments/<uuid:enrolment_id>/complete")
@signed_in(Permission.MANAGE_MODELS)
def complete_enrolment(enrolment_id: uuid.UUID) -> Response:
    """Record that a partner's coordinator completed the model course."""
    form = ButtonForm()
    back = safe_next(request.form.get("back")) or url_for(".courses")
    if not form.validate_on_submit():
        abort(400)
    try:
        with context.cross_tenant("course completion"), unit_of_work() as db:
            courses.complete(db, get_or_404(db, CourseEnrolment, enrolment_id), actor=_actor())
    except Problem as problem:
        flash(problem_message(problem), "error")
    else:
        flash(_("The course completion is recorded."))
    return redirect(back)


# --- partner duties ---------------------------------------------------------


@blp.get("/duties", endpoint="duties")
@signed_in(Permission.READ_PARTNER_OVERVIEW)
def duties_page() -> Any:
    """Each reporting licence's yearly report: due, overdue, submitted or acknowledged."""
    principal = _principal()
    try:
        year = int(request.args.get("year") or duties.default_year())
    except ValueError:
        abort(404)
    with unit_of_work() as db:
        models = _owned_models(db, principal.tenant_id)
        model = _chosen_model(models, request.args.get("model"))
        page: dict[str, Any] = {"items": [], "next_cursor": None}
        if model is not None:
            page = duties.owner_duties(
                db, model, actor=_actor(), year=year, limit=PAGE_SIZE, cursor=_cursor()
            )
    return _render(
        "pages/owner/duties.html",
        models=models,
        model=model,
        year=year,
        rows=page["items"],
        next_cursor=page["next_cursor"],
        button=ButtonForm(),
    )


@blp.post("/licences/<uuid:licence_id>/yearly-report/<int:year>/acknowledge")
@signed_in(Permission.DECIDE_LICENCES)
def acknowledge_report(licence_id: uuid.UUID, year: int) -> Response:
    """The owner has read a submitted yearly report; it is final from then on."""
    if not ButtonForm().validate_on_submit():
        abort(400)
    back = safe_next(request.form.get("back")) or url_for(".licence", licence_id=licence_id)
    try:
        with context.cross_tenant("yearly report acknowledged"), unit_of_work() as db:
            report = duties.report_of(db, licence_id, year)
            if report is None:
                abort(404)
            duties.acknowledge_yearly_report(db, report, actor=_actor())
    except Problem as problem:
        flash(problem_message(problem), "error")
    else:
        flash(_("The yearly report is acknowledged."))
    return redirect(back)


@blp.post("/changes/<uuid:change_report_id>/acknowledge")
@signed_in(Permission.DECIDE_LICENCES)
def acknowledge_change(change_report_id: uuid.UUID) -> Response:
    """The owner has read a partner's change report."""
    if not ButtonForm().validate_on_submit():
        abort(400)
    with context.cross_tenant("change report acknowledged"), unit_of_work() as db:
        report = get_or_404(db, ChangeReport, change_report_id)
        duties.acknowledge_change(db, report, actor=_actor())
        licence_id = report.licence_id
    flash(_("The change is marked read."))
    return redirect(url_for(".licence", licence_id=licence_id))


# --- model courses ----------------------------------------------------------


def _courses_page(form: CourseForm, error: str | None = None, status: int = 200) -> Any:
    principal = _principal()
    owned = select(ProgrammeModel.id).where(ProgrammeModel.owner_tenant_id == principal.tenant_id)
    stmt = select(ModelCourse).where(ModelCourse.model_id.in_(owned))
    with unit_of_work() as db:
        page = paginate(
            db,
            stmt,
            created=ModelCourse.created_at,
            ident=ModelCourse.id,
            limit=PAGE_SIZE,
            cursor=_cursor(),
        )
        return _render(
            "pages/owner/courses.html",
            status,
            courses=page["items"],
            next_cursor=page["next_cursor"],
            form=form,
            error=error,
            now=utcnow(),
        )


@blp.route("/courses", methods=["GET", "POST"], endpoint="courses")
@signed_in(Permission.MANAGE_MODELS)
def courses_page() -> Any:
    """The owner's model courses, newest first, and a form to schedule one."""
    form = CourseForm()
    with unit_of_work() as db:
        form.model.choices = _model_choices(db)
    if not form.is_submitted():
        return _courses_page(form)
    if not form.validate():
        return _courses_page(form, str(FORM_NOT_VALID), 422)
    try:
        with unit_of_work() as db:
            model = get_or_404(db, ProgrammeModel, uuid.UUID(form.model.data))
            courses.schedule_course(
                db,
                model,
                actor=_actor(),
                starts_at=finnish_to_utc(form.starts_at.data),  # type: ignore[arg-type]
                ends_at=finnish_to_utc(form.ends_at.data),  # type: ignore[arg-type]
                place=form.place.data or "",
                capacity=int(form.capacity.data or 0),
            )
    except Problem as problem:
        if problem.code == "invalid_dates":
            # The service names the API's fields; show the message on both date fields.
            problem.errors = {"starts_at": ["-"], "ends_at": ["-"]}
        return _courses_page(form, show_problem(form, problem), problem.status)
    flash(_("The course is scheduled."))
    return redirect(url_for(".courses"))


@blp.get("/courses/<uuid:course_id>")
@signed_in(Permission.MANAGE_MODELS)
def course(course_id: uuid.UUID) -> Any:
    """Who is on one course (coordinators' names and organisations) and completions."""
    with unit_of_work() as db:
        found = get_or_404(db, ModelCourse, course_id)
        page = paginate(
            db,
            select(CourseEnrolment).where(CourseEnrolment.course_id == course_id),
            created=CourseEnrolment.enrolled_at,
            ident=CourseEnrolment.id,
            limit=PAGE_SIZE,
            cursor=_cursor(),
        )
        return _render(
            "pages/owner/course.html",
            course=found,
            enrolments=page["items"],
            next_cursor=page["next_cursor"],
            taken=courses.seats_taken(db, course_id),
            button=ButtonForm(),
            enrolled=EnrolmentStatus.ENROLLED,
        )


# --- the orientation folder -------------------------------------------------


def _materials_page(form: MaterialForm, error: str | None = None, status: int = 200) -> Any:
    principal = _principal()
    owned = select(ProgrammeModel.id).where(ProgrammeModel.owner_tenant_id == principal.tenant_id)
    with unit_of_work() as db:
        page = paginate(
            db,
            select(ModelMaterial).where(ModelMaterial.model_id.in_(owned)),
            created=ModelMaterial.created_at,
            ident=ModelMaterial.id,
            limit=PAGE_SIZE,
            cursor=_cursor(),
        )
        names = {m.id: m.name for m in _owned_models(db, principal.tenant_id)}
        return _render(
            "pages/owner/materials.html",
            status,
            materials=page["items"],
            next_cursor=page["next_cursor"],
            model_names=names,
            form=form,
            button=ButtonForm(),
            error=error,
        )


@blp.route("/materials", methods=["GET", "POST"], endpoint="materials")
@signed_in(Permission.MANAGE_MODELS)
def materials_page() -> Any:
    """The orientation folder of the owner's models: list, upload."""
    form = MaterialForm()
    with unit_of_work() as db:
        form.model.choices = _model_choices(db)
    if not form.is_submitted():
        return _materials_page(form)
    if not form.validate():
        return _materials_page(form, str(FORM_NOT_VALID), 422)
    upload = form.file.data
    try:
        with unit_of_work() as db:
            model = get_or_404(db, ProgrammeModel, uuid.UUID(form.model.data))
            materials.add_material(
                db,
                current_storage(),
                model,
                actor=_actor(),
                kind=MaterialKind(form.kind.data),
                title=form.title.data or "",
                filename=upload.filename or "file",
                content_type=upload.mimetype or "application/octet-stream",
                data=upload.read(materials.MAX_FILE_BYTES + 1),
            )
    except Problem as problem:
        return _materials_page(form, show_problem(form, problem), problem.status)
    flash(_("The file is in the orientation folder."))
    return redirect(url_for(".materials"))


@blp.get("/materials/<uuid:material_id>/download")
@signed_in(Permission.DOWNLOAD_MATERIALS)
def download(material_id: uuid.UUID) -> Response:
    """Straight to a short-lived signed link of the file."""
    with unit_of_work() as db:
        material = get_or_404(db, ModelMaterial, material_id)
        url, _expires = materials.download_link(db, current_storage(), material, actor=_actor())
    return redirect(url)


@blp.post("/materials/<uuid:material_id>/delete")
@signed_in(Permission.MANAGE_MODELS)
def delete_material(material_id: uuid.UUID) -> Response:
    """Remove a file from the orientation folder."""
    if not ButtonForm().validate_on_submit():
        abort(400)
    try:
        with unit_of_work() as db:
            material = get_or_404(db, ModelMaterial, material_id)
            materials.delete_material(db, current_storage(), material, actor=_actor())
    except Problem as problem:
        flash(problem_message(problem), "error")
    else:
        flash(_("The file is removed."))
    return redirect(url_for(".materials"))


# --- announcements ----------------------------------------------------------


@blp.route("/announcements", methods=["GET", "POST"], endpoint="announcements")
@signed_in(Permission.ANNOUNCE_TO_PARTNERS)
def announcements_page() -> Any:
    """Write to the coordinators of every licensed partner (they get it in-app and by email)."""
    principal = _principal()
    form = AnnouncementForm()
    error, status = None, 200
    if form.is_submitted():
        if form.validate():
            try:
                with (
                    context.cross_tenant("owner announcement to partners"),
                    unit_of_work() as db,
                ):
                    receipt = announcements.announce_to_partners(
                        db,
                        owner_tenant_id=principal.tenant_id,
                        author_id=principal.user_id,
                        subject=form.subject.data or "",
                        body=form.body.data or "",
                    )
            except Problem as problem:
                error, status = show_problem(form, problem), problem.status
            else:
                flash(
                    _(
                        "The announcement is on its way to %(people)s coordinators in "
                        "%(organisations)s organisations.",
                        people=receipt["recipients"],
                        organisations=receipt["organisations"],
                    )
                )
                return redirect(url_for(".announcements"))
        else:
            error, status = str(FORM_NOT_VALID), 422
    with unit_of_work() as db:
        reach = len(announcements.licensed_partners(db, principal.tenant_id))
    return _render("pages/owner/announcements.html", status, form=form, error=error, reach=reach)
