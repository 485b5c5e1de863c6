"""API: programme models, licences, model courses and the orientation folder.

Views only translate HTTP: check the permission, open the unit of work (in
`cross_tenant` where a change is written to both the owner's and the
partner's audit log), call the service in `licensing`, `courses` or
`materials`. Who may see a row at all is decided by the path checks below:
the model owner's staff, the licensee partner and the platform operator.
"""

from __future__ import annotations

import uuid
from typing import Any

import marshmallow as ma
from flask.views import MethodView
from flask_smorest import Blueprint
from flask_smorest.fields import Upload
from sqlalchemy import select
from sqlalchemy.orm import Session

from tukiverkko.platform import context
from tukiverkko.platform.auth import authorize, path_object
from tukiverkko.platform.db import get_database, get_or_404, utcnow
from tukiverkko.platform.identity.models import Role
from tukiverkko.platform.identity.service import Principal
from tukiverkko.platform.pagination import PageArgs, page_schema, paginate
from tukiverkko.platform.permissions import Permission
from tukiverkko.platform.storage import current_storage
from tukiverkko.tenants import courses, licensing, materials
from tukiverkko.tenants.licensing import Actor
from tukiverkko.tenants.licensing_models import (
    ConditionKind,
    CourseEnrolment,
    EnrolmentStatus,
    Licence,
    LicenceEvent,
    LicenceStatus,
    MaterialKind,
    ModelCourse,
    ModelMaterial,
    ProgrammeModel,
)

models_blp = Blueprint(
    "programme_models", __name__, url_prefix="/programme-models", description="Programme models"
)
licences_blp = Blueprint("licences", __name__, url_prefix="/licences", description="Licences")
courses_blp = Blueprint("courses", __name__, url_prefix="/courses", description="Model courses")
materials_blp = Blueprint(
    "materials", __name__, url_prefix="/materials", description="Orientation folder files"
)

MODULE_KEY = ma.validate.Regexp(r"^[a-z][a-z0-9_]{1,63}$", error="Lowercase letters and _.")


def actor_of(principal: Principal) -> Actor:
    return Actor(principal.user_id, principal.tenant_id)


# --- schemas -----------------------------------------------------------------


class ModelSummarySchema(ma.Schema):
    """The public catalogue entry of a model (also on the national directory)."""

    id = ma.fields.UUID(required=True)
    name = ma.fields.String(required=True)
    description = ma.fields.String(required=True)
    module_key = ma.fields.String(required=True)
    owner_name = ma.fields.Function(lambda m: m.owner.name, required=True)


class ModelSchema(ModelSummarySchema):
    owner_tenant_id = ma.fields.UUID(required=True)
    operating_principles = ma.fields.String(required=True)
    curriculum = ma.fields.String(required=True)
    created_at = ma.fields.AwareDateTime(required=True)


class ModelEdit(ma.Schema):
    name = ma.fields.String(validate=ma.validate.Length(1, 200))
    description = ma.fields.String(validate=ma.validate.Length(max=10_000))
    module_key = ma.fields.String(validate=MODULE_KEY)
    operating_principles = ma.fields.String(validate=ma.validate.Length(max=100_000))
    curriculum = ma.fields.String(validate=ma.validate.Length(max=100_000))


class ModelCreate(ModelEdit):
    name = ma.fields.String(required=True, validate=ma.validate.Length(1, 200))
    module_key = ma.fields.String(required=True, validate=MODULE_KEY)


class ConditionSchema(ma.Schema):
    kind = ma.fields.Enum(ConditionKind, by_value=True, required=True)
    satisfied = ma.fields.Function(lambda c: c.satisfied_at is not None, required=True)
    satisfied_at = ma.fields.AwareDateTime(allow_none=True, required=True)
    satisfied_by = ma.fields.UUID(allow_none=True, required=True)
    satisfied_by_tenant_id = ma.fields.UUID(allow_none=True, required=True)
    note = ma.fields.String(required=True)


class LicenceSchema(ma.Schema):
    id = ma.fields.UUID(required=True)
    model_id = ma.fields.UUID(required=True)
    model_name = ma.fields.Function(lambda lic: lic.model.name, required=True)
    partner_tenant_id = ma.fields.UUID(required=True)
    partner_name = ma.fields.Function(lambda lic: lic.partner.name, required=True)
    area = ma.fields.String(required=True)
    status = ma.fields.Enum(LicenceStatus, by_value=True, required=True)
    status_changed_at = ma.fields.AwareDateTime(required=True)
    valid_until = ma.fields.Date(allow_none=True, required=True)
    application_note = ma.fields.String(required=True)
    resources = ma.fields.String(required=True)
    how_to_apply = ma.fields.String(required=True)
    conditions = ma.fields.List(ma.fields.Nested(ConditionSchema), required=True)
    created_at = ma.fields.AwareDateTime(required=True)


class LicenceApplication(ma.Schema):
    model_id = ma.fields.UUID(required=True)
    area = ma.fields.String(required=True, validate=ma.validate.Length(1, 200))
    note = ma.fields.String(load_default="", validate=ma.validate.Length(max=5000))


class ListingEdit(ma.Schema):
    how_to_apply = ma.fields.String(required=True, validate=ma.validate.Length(max=2000))


class Reason(ma.Schema):
    reason = ma.fields.String(required=True, validate=ma.validate.Length(1, 1000))


class GrantArgs(Reason):
    valid_until = ma.fields.Date(load_default=None, allow_none=True)


class ResourcesArgs(ma.Schema):
    resources = ma.fields.String(required=True, validate=ma.validate.Length(1, 5000))


class AgreementArgs(ma.Schema):
    signed_on = ma.fields.Date(required=True)
    note = ma.fields.String(load_default="", validate=ma.validate.Length(max=1000))


class EventSchema(ma.Schema):
    id = ma.fields.UUID(required=True)
    at = ma.fields.AwareDateTime(required=True)
    action = ma.fields.String(required=True)
    from_status = ma.fields.String(allow_none=True, required=True)
    to_status = ma.fields.String(required=True)
    reason = ma.fields.String(required=True)
    actor_id = ma.fields.UUID(allow_none=True, required=True)
    actor_tenant_id = ma.fields.UUID(allow_none=True, required=True)


class CourseSchema(ma.Schema):
    id = ma.fields.UUID(required=True)
    model_id = ma.fields.UUID(required=True)
    model_name = ma.fields.Function(lambda c: c.model.name, required=True)
    starts_at = ma.fields.AwareDateTime(required=True)
    ends_at = ma.fields.AwareDateTime(required=True)
    place = ma.fields.String(required=True)
    capacity = ma.fields.Integer(required=True)
    cancelled = ma.fields.Function(lambda c: c.cancelled_at is not None, required=True)
    created_at = ma.fields.AwareDateTime(required=True)


class CourseCreate(ma.Schema):
    starts_at = ma.fields.AwareDateTime(required=True)
    ends_at = ma.fields.AwareDateTime(required=True)
    place = ma.fields.String(required=True, validate=ma.validate.Length(1, 200))
    capacity = ma.fields.Integer(required=True, validate=ma.validate.Range(1, 500))


class EnrolmentSchema(ma.Schema):
    """A coordinator on a course: the name only, never the partner's account."""

    id = ma.fields.UUID(required=True)
    course_id = ma.fields.UUID(required=True)
    partner_name = ma.fields.Function(lambda e: e.partner.name, required=True)
    participant_name = ma.fields.String(required=True)
    status = ma.fields.Enum(EnrolmentStatus, by_value=True, required=True)
    enrolled_at = ma.fields.AwareDateTime(required=True)
    completed_at = ma.fields.AwareDateTime(allow_none=True, required=True)


class EnrolmentCreate(ma.Schema):
    course_id = ma.fields.UUID(required=True)
    user_id = ma.fields.UUID(required=True)


class MaterialSchema(ma.Schema):
    id = ma.fields.UUID(required=True)
    model_id = ma.fields.UUID(required=True)
    kind = ma.fields.Enum(MaterialKind, by_value=True, required=True)
    title = ma.fields.String(required=True)
    filename = ma.fields.String(required=True)
    content_type = ma.fields.String(required=True)
    size = ma.fields.Integer(required=True)
    created_at = ma.fields.AwareDateTime(required=True)


class MaterialForm(ma.Schema):
    kind = ma.fields.Enum(MaterialKind, by_value=True, required=True)
    title = ma.fields.String(load_default="", validate=ma.validate.Length(max=200))


class MaterialFile(ma.Schema):
    file = Upload(required=True)


class LinkSchema(ma.Schema):
    url = ma.fields.String(required=True)
    expires_at = ma.fields.AwareDateTime(required=True)


class OverviewItem(ma.Schema):
    licence_id = ma.fields.UUID(required=True)
    partner_name = ma.fields.String(required=True)
    area = ma.fields.String(required=True)
    status = ma.fields.Enum(LicenceStatus, by_value=True, required=True)
    valid_until = ma.fields.Date(allow_none=True, required=True)
    conditions_met = ma.fields.Integer(required=True)
    # Counts about the partner's people under 5 read "<5" (no one recognisable).
    counts = ma.fields.Dict(keys=ma.fields.String(), values=ma.fields.String(), required=True)


ModelPage = page_schema(ModelSummarySchema, "ProgrammeModelPage")
LicencePage = page_schema(LicenceSchema, "LicencePage")
EventPage = page_schema(EventSchema, "LicenceEventPage")
CoursePage = page_schema(CourseSchema, "ModelCoursePage")
EnrolmentPage = page_schema(EnrolmentSchema, "CourseEnrolmentPage")
MaterialPage = page_schema(MaterialSchema, "ModelMaterialPage")
OverviewPage = page_schema(OverviewItem, "PartnerOverviewPage")


# --- visibility of path ids -------------------------------------------------


def _operator(principal: Principal) -> bool:
    return principal.role == Role.OPERATOR


@path_object("model_id")
def _model_visible(db: Session, principal: Principal, model_id: uuid.UUID) -> bool:
    if _operator(principal):
        return db.get(ProgrammeModel, model_id) is not None
    return licensing.can_see_model(db, model_id, principal.tenant_id)


def _licence_visible_to(db: Session, principal: Principal, licence: Licence | None) -> bool:
    if licence is None:
        return False
    if _operator(principal) or licence.partner_tenant_id == principal.tenant_id:
        return True
    return licence.model.owner_tenant_id == principal.tenant_id


@path_object("licence_id")
def _licence_visible(db: Session, principal: Principal, licence_id: uuid.UUID) -> bool:
    return _licence_visible_to(db, principal, db.get(Licence, licence_id))


@path_object("course_id")
def _course_visible(db: Session, principal: Principal, course_id: uuid.UUID) -> bool:
    course = db.get(ModelCourse, course_id)
    if course is None:
        return False
    return _operator(principal) or course.model.owner_tenant_id == principal.tenant_id


@path_object("enrolment_id")
def _enrolment_visible(db: Session, principal: Principal, enrolment_id: uuid.UUID) -> bool:
    enrolment = db.get(CourseEnrolment, enrolment_id)
    if enrolment is None:
        return False
    if _operator(principal) or enrolment.partner_tenant_id == principal.tenant_id:
        return True
    course = db.get(ModelCourse, enrolment.course_id)
    return course is not None and course.model.owner_tenant_id == principal.tenant_id


@path_object("material_id")
def _material_visible(db: Session, principal: Principal, material_id: uuid.UUID) -> bool:
    material = db.get(ModelMaterial, material_id)
    return material is not None and licensing.can_see_model(
        db, material.model_id, principal.tenant_id
    )


# --- programme models -------------------------------------------------------


@models_blp.route("")
class Models(MethodView):
    @models_blp.arguments(PageArgs, location="query")
    @models_blp.response(200, ModelPage)
    def get(self, args: dict[str, Any]) -> dict[str, Any]:
        """The catalogue of programme models (public summaries), to apply from."""
        authorize(Permission.READ_MODELS)
        with get_database().unit_of_work() as db:
            stmt = select(ProgrammeModel)
            return paginate(
                db, stmt, created=ProgrammeModel.created_at, ident=ProgrammeModel.id, **args
            )

    @models_blp.arguments(ModelCreate)
    @models_blp.response(201, ModelSchema)
    def post(self, args: dict[str, Any]) -> ProgrammeModel:
        """Publish a model owned by one's own (model-owner) organisation."""
        principal = authorize(Permission.MANAGE_MODELS)
        with get_database().unit_of_work() as db:
            model = licensing.create_model(db, actor=actor_of(principal), **args)
            db.refresh(model)  # loads `owner` for the response
            return model


@models_blp.route("/<uuid:model_id>")
class ModelItem(MethodView):
    @models_blp.response(200, ModelSchema)
    def get(self, model_id: uuid.UUID) -> ProgrammeModel:
        """The whole model: its owner's staff and organisations that have applied for it."""
        authorize(Permission.READ_MODELS)
        with get_database().unit_of_work() as db:
            return get_or_404(db, ProgrammeModel, model_id)

    @models_blp.arguments(ModelEdit)
    @models_blp.response(200, ModelSchema)
    def patch(self, args: dict[str, Any], model_id: uuid.UUID) -> ProgrammeModel:
        """Edit the model's texts (its owner)."""
        principal = authorize(Permission.MANAGE_MODELS)
        with get_database().unit_of_work() as db:
            model = get_or_404(db, ProgrammeModel, model_id)
            return licensing.update_model(db, model, args, actor=actor_of(principal))


@models_blp.route("/<uuid:model_id>/courses")
class ModelCourses(MethodView):
    @models_blp.arguments(PageArgs, location="query")
    @models_blp.response(200, CoursePage)
    def get(self, args: dict[str, Any], model_id: uuid.UUID) -> dict[str, Any]:
        """Every course of the model, past ones included."""
        authorize(Permission.READ_MODELS)
        stmt = select(ModelCourse).where(ModelCourse.model_id == model_id)
        with get_database().unit_of_work() as db:
            return paginate(db, stmt, created=ModelCourse.created_at, ident=ModelCourse.id, **args)

    @models_blp.arguments(CourseCreate)
    @models_blp.response(201, CourseSchema)
    def post(self, args: dict[str, Any], model_id: uuid.UUID) -> ModelCourse:
        """Schedule a course (the model's owner)."""
        principal = authorize(Permission.MANAGE_MODELS)
        with get_database().unit_of_work() as db:
            model = get_or_404(db, ProgrammeModel, model_id)
            course = courses.schedule_course(db, model, actor=actor_of(principal), **args)
            db.refresh(course)  # loads `model` for the response
            return course


@models_blp.route("/<uuid:model_id>/materials")
class ModelMaterials(MethodView):
    @models_blp.arguments(PageArgs, location="query")
    @models_blp.response(200, MaterialPage)
    def get(self, args: dict[str, Any], model_id: uuid.UUID) -> dict[str, Any]:
        """The orientation folder: the owner's staff and partners holding a licence."""
        principal = authorize(Permission.DOWNLOAD_MATERIALS)
        with get_database().unit_of_work() as db:
            model = get_or_404(db, ProgrammeModel, model_id)
            materials.require_access(db, model, actor=actor_of(principal), operation="materials")
            stmt = select(ModelMaterial).where(ModelMaterial.model_id == model.id)
            return paginate(
                db, stmt, created=ModelMaterial.created_at, ident=ModelMaterial.id, **args
            )

    # kind and title travel in the query string: flask-smorest cannot document
    # form fields beside a file in one multipart body (its spec would be invalid).
    @models_blp.arguments(MaterialForm, location="query")
    @models_blp.arguments(MaterialFile, location="files")
    @models_blp.response(201, MaterialSchema)
    def post(
        self, form: dict[str, Any], files: dict[str, Any], model_id: uuid.UUID
    ) -> ModelMaterial:
        """Add a file to the orientation folder (the model's owner; multipart `file`)."""
        principal = authorize(Permission.MANAGE_MODELS)
        upload = files["file"]
        with get_database().unit_of_work() as db:
            model = get_or_404(db, ProgrammeModel, model_id)
            return materials.add_material(
                db,
                current_storage(),
                model,
                actor=actor_of(principal),
                kind=form["kind"],
                title=form["title"],
                filename=upload.filename or "file",
                content_type=upload.mimetype or "application/octet-stream",
                data=upload.read(materials.MAX_FILE_BYTES + 1),
            )


@models_blp.route("/<uuid:model_id>/overview")
class ModelOverview(MethodView):
    @models_blp.arguments(PageArgs, location="query")
    @models_blp.response(200, OverviewPage)
    def get(self, args: dict[str, Any], model_id: uuid.UUID) -> dict[str, Any]:
        """Per partner licence of the model: status and counts only (the model's owner)."""
        principal = authorize(Permission.READ_PARTNER_OVERVIEW)
        with context.cross_tenant("owner overview: counts"), get_database().unit_of_work() as db:
            model = get_or_404(db, ProgrammeModel, model_id)
            return licensing.partner_overview(db, model, actor=actor_of(principal), **args)


# --- licences ---------------------------------------------------------------


@licences_blp.route("")
class Licences(MethodView):
    @licences_blp.arguments(PageArgs, location="query")
    @licences_blp.response(200, LicencePage)
    def get(self, args: dict[str, Any]) -> dict[str, Any]:
        """Licences one holds (partners) or has granted (model owners); all for operators."""
        principal = authorize(Permission.READ_LICENCES)
        stmt = select(Licence)
        if not _operator(principal):
            stmt = stmt.where(licensing.licences_visible_to(principal.tenant_id))
        with get_database().unit_of_work() as db:
            return paginate(db, stmt, created=Licence.created_at, ident=Licence.id, **args)

    @licences_blp.arguments(LicenceApplication)
    @licences_blp.response(201, LicenceSchema)
    def post(self, args: dict[str, Any]) -> Licence:
        """Apply for the right to run a model in an area (a partner's admin)."""
        principal = authorize(Permission.APPLY_LICENCES)
        with context.cross_tenant("licence application"), get_database().unit_of_work() as db:
            licence = licensing.apply_for_licence(db, actor=actor_of(principal), **args)
            db.flush()
            db.refresh(licence)
            return licence


def _load_licence(db: Session, licence_id: uuid.UUID) -> Licence:
    return get_or_404(db, Licence, licence_id)


def _reloaded(db: Session, licence: Licence) -> Licence:
    db.flush()
    db.refresh(licence)  # conditions and status as stored, for the response
    return licence


@licences_blp.route("/<uuid:licence_id>")
class LicenceItem(MethodView):
    @licences_blp.response(200, LicenceSchema)
    def get(self, licence_id: uuid.UUID) -> Licence:
        """One licence with its conditions."""
        authorize(Permission.READ_LICENCES)
        with get_database().unit_of_work() as db:
            return _load_licence(db, licence_id)

    @licences_blp.arguments(ListingEdit)
    @licences_blp.response(200, LicenceSchema)
    def patch(self, args: dict[str, Any], licence_id: uuid.UUID) -> Licence:
        """Edit how people get in touch, as the national directory shows it (the licensee)."""
        principal = authorize(Permission.APPLY_LICENCES)
        with get_database().unit_of_work() as db:
            licence = _load_licence(db, licence_id)
            licensing.update_listing(db, licence, actor=actor_of(principal), **args)
            return _reloaded(db, licence)


@licences_blp.route("/<uuid:licence_id>/events")
class LicenceEvents(MethodView):
    @licences_blp.arguments(PageArgs, location="query")
    @licences_blp.response(200, EventPage)
    def get(self, args: dict[str, Any], licence_id: uuid.UUID) -> dict[str, Any]:
        """The licence's history: who did what, when and why, newest first."""
        authorize(Permission.READ_LICENCES)
        stmt = select(LicenceEvent).where(LicenceEvent.licence_id == licence_id)
        with get_database().unit_of_work() as db:
            return paginate(db, stmt, created=LicenceEvent.at, ident=LicenceEvent.id, **args)


def _action_route(action: str, schema: type[ma.Schema], doc: str) -> None:
    @licences_blp.route(f"/<uuid:licence_id>/{action}", endpoint=f"licence_{action}")
    class Action(MethodView):
        @licences_blp.arguments(schema)
        @licences_blp.response(200, LicenceSchema)
        def post(self, args: dict[str, Any], licence_id: uuid.UUID) -> Licence:
            principal = authorize(Permission.DECIDE_LICENCES)
            with context.cross_tenant(f"licence {action}"), get_database().unit_of_work() as db:
                licence = _load_licence(db, licence_id)
                licensing.change_status(db, licence, action, actor=actor_of(principal), **args)
                return _reloaded(db, licence)

    Action.post.__doc__ = doc


_action_route("review", Reason, "Start reviewing an application (the model's owner).")
_action_route(
    "grant", GrantArgs, "Grant with conditions; active at once if every condition is met."
)
_action_route("reject", Reason, "Turn an application down.")
_action_route("suspend", Reason, "Suspend: no new intakes, matches or listings; reads stay.")
_action_route("reinstate", Reason, "Lift a suspension.")
_action_route("revoke", Reason, "Withdraw the right for good.")
_action_route("expire", Reason, "End the licence now (it also expires by its end date).")
_action_route("renew", GrantArgs, "Renew an expired licence, optionally until a new date.")


@licences_blp.route("/<uuid:licence_id>/resources")
class LicenceResources(MethodView):
    @licences_blp.arguments(ResourcesArgs)
    @licences_blp.response(200, LicenceSchema)
    def post(self, args: dict[str, Any], licence_id: uuid.UUID) -> Licence:
        """Declare the resources for continuity: paid worker, premises, supervision."""
        principal = authorize(Permission.APPLY_LICENCES)
        with context.cross_tenant("licence resources"), get_database().unit_of_work() as db:
            licence = _load_licence(db, licence_id)
            licensing.declare_resources(db, licence, actor=actor_of(principal), **args)
            return _reloaded(db, licence)


@licences_blp.route("/<uuid:licence_id>/agreement")
class LicenceAgreement(MethodView):
    @licences_blp.arguments(AgreementArgs)
    @licences_blp.response(200, LicenceSchema)
    def post(self, args: dict[str, Any], licence_id: uuid.UUID) -> Licence:
        """Record the signed cooperation agreement (the model's owner)."""
        principal = authorize(Permission.DECIDE_LICENCES)
        with context.cross_tenant("licence agreement"), get_database().unit_of_work() as db:
            licence = _load_licence(db, licence_id)
            licensing.record_agreement(db, licence, actor=actor_of(principal), **args)
            return _reloaded(db, licence)


@licences_blp.route("/<uuid:licence_id>/enrolments")
class LicenceEnrolments(MethodView):
    @licences_blp.arguments(PageArgs, location="query")
    @licences_blp.response(200, EnrolmentPage)
    def get(self, args: dict[str, Any], licence_id: uuid.UUID) -> dict[str, Any]:
        """The licensee's coordinators on courses of this model."""
        authorize(Permission.READ_LICENCES)
        with get_database().unit_of_work() as db:
            licence = _load_licence(db, licence_id)
            stmt = (
                select(CourseEnrolment)
                .join(ModelCourse, ModelCourse.id == CourseEnrolment.course_id)
                .where(
                    ModelCourse.model_id == licence.model_id,
                    CourseEnrolment.partner_tenant_id == licence.partner_tenant_id,
                )
            )
            return paginate(
                db, stmt, created=CourseEnrolment.enrolled_at, ident=CourseEnrolment.id, **args
            )

    @licences_blp.arguments(EnrolmentCreate)
    @licences_blp.response(201, EnrolmentSchema)
    def post(self, args: dict[str, Any], licence_id: uuid.UUID) -> CourseEnrolment:
        """Enrol one of the organisation's coordinators on a course of the model."""
        principal = authorize(Permission.ENROL_COURSES)
        with get_database().unit_of_work() as db:
            licence = _load_licence(db, licence_id)
            enrolment = courses.enrol(db, licence, actor=actor_of(principal), **args)
            db.refresh(enrolment)
            return enrolment


# --- courses ----------------------------------------------------------------


@courses_blp.route("")
class Courses(MethodView):
    @courses_blp.arguments(PageArgs, location="query")
    @courses_blp.response(200, CoursePage)
    def get(self, args: dict[str, Any]) -> dict[str, Any]:
        """Upcoming model courses of every model (public, as on the national directory)."""
        authorize(Permission.READ_MODELS)
        stmt = select(ModelCourse).where(
            ModelCourse.cancelled_at.is_(None), ModelCourse.starts_at > utcnow()
        )
        with get_database().unit_of_work() as db:
            return paginate(db, stmt, created=ModelCourse.created_at, ident=ModelCourse.id, **args)


@courses_blp.route("/<uuid:course_id>/enrolments")
class CourseEnrolments(MethodView):
    @courses_blp.arguments(PageArgs, location="query")
    @courses_blp.response(200, EnrolmentPage)
    def get(self, args: dict[str, Any], course_id: uuid.UUID) -> dict[str, Any]:
        """Who is on the course: names and organisations (the model's owner)."""
        authorize(Permission.MANAGE_MODELS)
        stmt = select(CourseEnrolment).where(CourseEnrolment.course_id == course_id)
        with get_database().unit_of_work() as db:
            return paginate(
                db, stmt, created=CourseEnrolment.enrolled_at, ident=CourseEnrolment.id, **args
            )


@courses_blp.route("/enrolments/<uuid:enrolment_id>/complete")
class EnrolmentComplete(MethodView):
    @courses_blp.response(200, EnrolmentSchema)
    def post(self, enrolment_id: uuid.UUID) -> CourseEnrolment:
        """Record that the coordinator completed the course: meets the licence condition."""
        principal = authorize(Permission.MANAGE_MODELS)
        with context.cross_tenant("course completion"), get_database().unit_of_work() as db:
            enrolment = get_or_404(db, CourseEnrolment, enrolment_id)
            return courses.complete(db, enrolment, actor=actor_of(principal))


# --- materials --------------------------------------------------------------


@materials_blp.route("/<uuid:material_id>")
class MaterialItem(MethodView):
    @materials_blp.response(204)
    def delete(self, material_id: uuid.UUID) -> None:
        """Remove a file from the orientation folder (the model's owner)."""
        principal = authorize(Permission.MANAGE_MODELS)
        with get_database().unit_of_work() as db:
            material = get_or_404(db, ModelMaterial, material_id)
            materials.delete_material(db, current_storage(), material, actor=actor_of(principal))


@materials_blp.route("/<uuid:material_id>/link")
class MaterialLink(MethodView):
    @materials_blp.response(200, LinkSchema)
    def get(self, material_id: uuid.UUID) -> dict[str, Any]:
        """A short-lived signed download link (the logo needs an active licence)."""
        principal = authorize(Permission.DOWNLOAD_MATERIALS)
        with get_database().unit_of_work() as db:
            material = get_or_404(db, ModelMaterial, material_id)
            url, expires_at = materials.download_link(
                db, current_storage(), material, actor=actor_of(principal)
            )
        return {"url": url, "expires_at": expires_at}


BLUEPRINTS = [models_blp, licences_blp, courses_blp, materials_blp]
