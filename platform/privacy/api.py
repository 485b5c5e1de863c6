"""API and page of data protection: requests, settings, tenant export and exit, privacy notice.

Views only translate HTTP: the rules are in `rights`, `retention`,
`notice` and `tenant_export`.
"""

from __future__ import annotations

import base64
import uuid
from datetime import date
from typing import Any

import marshmallow as ma
from flask import Blueprint as FlaskBlueprint
from flask import abort, current_app, g, render_template
from flask.views import MethodView
from flask_babel import gettext as _
from flask_smorest import Blueprint
from sqlalchemy import select, tuple_
from sqlalchemy.orm import Session

from tukiverkko.platform import context
from tukiverkko.platform.auth import authorize, path_object, public_tenant
from tukiverkko.platform.db import get_database, get_or_404
from tukiverkko.platform.errors import NotFound, ValidationFailed
from tukiverkko.platform.identity.models import Role
from tukiverkko.platform.identity.service import Principal
from tukiverkko.platform.pagination import DEFAULT_LIMIT, PageArgs, page_schema, paginate
from tukiverkko.platform.permissions import Permission
from tukiverkko.platform.privacy import notice, retention, rights, tenant_export
from tukiverkko.platform.privacy.models import (
    ExportStatus,
    PrivacyRequest,
    RequestKind,
    RequestStatus,
    SubjectType,
    TenantExport,
)
from tukiverkko.platform.privacy.subjects import Subject
from tukiverkko.platform.storage import current_storage

blp = Blueprint(
    "privacy",
    __name__,
    url_prefix="/privacy",
    description="Data protection: data subjects' requests, retention, tenant export and exit",
)
public_blp = Blueprint(
    "privacy_public",
    __name__,
    url_prefix="/public",
    description="Without sign-in: the privacy notice",
)
BLUEPRINTS = [blp, public_blp]
# The public privacy notice page (`/t/<slug>/privacy[/<programme id>]`).
pages = FlaskBlueprint("privacy_pages", __name__)


def _settings() -> Any:
    return current_app.config["TUKIVERKKO_SETTINGS"]


def _audit_redactor() -> rights.AuditRedactor | None:
    """The owner's connection redacts the audit trail where the app role may not (PostgreSQL)."""
    settings = _settings()
    if settings.database_migration_url != settings.database_url:
        return rights.owner_audit_redactor(settings.database_migration_url)
    return None


# --- schemas ---------------------------------------------------------------------


class PrivacyRequestInput(ma.Schema):
    kind = ma.fields.Enum(RequestKind, by_value=True, required=True)
    subject_type = ma.fields.Enum(SubjectType, by_value=True, required=True)
    subject_id = ma.fields.UUID(required=True)
    received_on = ma.fields.Date(required=True)
    note = ma.fields.String(load_default="", validate=ma.validate.Length(max=2000))


class PrivacyRequestSchema(ma.Schema):
    id = ma.fields.UUID(required=True)
    kind = ma.fields.Enum(RequestKind, by_value=True, required=True)
    subject_type = ma.fields.Enum(SubjectType, by_value=True, required=True)
    subject_id = ma.fields.UUID(required=True)
    received_on = ma.fields.Date(required=True)
    due_on = ma.fields.Date(required=True)
    overdue = ma.fields.Boolean(required=True)
    status = ma.fields.Enum(RequestStatus, by_value=True, required=True)
    recorded_by = ma.fields.UUID(required=True)
    handled_by = ma.fields.UUID(allow_none=True, required=True)
    completed_at = ma.fields.AwareDateTime(allow_none=True, required=True)
    note = ma.fields.String(required=True)
    created_at = ma.fields.AwareDateTime(required=True)


RequestPage = page_schema(PrivacyRequestSchema, "PrivacyRequestPage")


class PrivacyRequestListArgs(PageArgs):
    status = ma.fields.String(load_default="open", validate=ma.validate.OneOf(["open", "closed"]))


class PrivacyNoteInput(ma.Schema):
    note = ma.fields.String(load_default="", validate=ma.validate.Length(max=2000))


class PrivacyRectifyInput(PrivacyNoteInput):
    changes = ma.fields.Dict(keys=ma.fields.String(), required=True)


class PrivacyEraseInput(PrivacyNoteInput):
    # Erasure cannot be undone: the caller says so explicitly.
    confirm = ma.fields.Boolean(required=True)


class PrivacyExportLinks(ma.Schema):
    json_url = ma.fields.String(required=True)
    html_url = ma.fields.String(required=True)
    expires_in = ma.fields.Integer(required=True)


class PrivacyErasureSchema(ma.Schema):
    subjects = ma.fields.Integer(required=True)
    rows = ma.fields.Dict(keys=ma.fields.String(), values=ma.fields.Integer(), required=True)
    deleted = ma.fields.Dict(keys=ma.fields.String(), values=ma.fields.Integer(), required=True)
    files = ma.fields.Integer(required=True)


class PrivacySettingsSchema(ma.Schema):
    controller_name = ma.fields.String(validate=ma.validate.Length(max=200))
    controller_contact = ma.fields.String(validate=ma.validate.Length(max=500))
    dpo_contact = ma.fields.String(validate=ma.validate.Length(max=500))
    retention_ended_volunteers_days = ma.fields.Integer(
        validate=ma.validate.Range(retention.MIN_DAYS, retention.MAX_DAYS)
    )
    retention_closed_participants_days = ma.fields.Integer(
        validate=ma.validate.Range(retention.MIN_DAYS, retention.MAX_DAYS)
    )
    retention_sign_in_events_days = ma.fields.Integer(
        validate=ma.validate.Range(retention.MIN_DAYS, retention.MAX_DAYS)
    )


class TenantExportSchema(ma.Schema):
    id = ma.fields.UUID(required=True)
    status = ma.fields.Enum(ExportStatus, by_value=True, required=True)
    size = ma.fields.Integer(allow_none=True, required=True)
    created_at = ma.fields.AwareDateTime(required=True)
    finished_at = ma.fields.AwareDateTime(allow_none=True, required=True)
    download_url = ma.fields.String(allow_none=True, required=True)


TenantExportPage = page_schema(TenantExportSchema, "TenantExportPage")


class TenantCloseInput(ma.Schema):
    # The organisation's address, typed again: closing is not a click away.
    confirm_slug = ma.fields.String(required=True, validate=ma.validate.Length(max=63))
    reason = ma.fields.String(required=True, validate=ma.validate.Length(min=1, max=500))


class TenantCloseSchema(ma.Schema):
    closed_at = ma.fields.AwareDateTime(required=True)
    delete_after = ma.fields.AwareDateTime(required=True)
    message = ma.fields.String(required=True)


class PrivacyNoticeArgs(ma.Schema):
    lang = ma.fields.String(load_default="fi", validate=ma.validate.OneOf(notice.LANGUAGES))
    programme_id = ma.fields.UUID(load_default=None)


class PrivacyNoticeSection(ma.Schema):
    key = ma.fields.String(required=True)
    heading = ma.fields.String(required=True)
    text = ma.fields.String(required=True)


class PrivacyNoticeGroup(ma.Schema):
    subject = ma.fields.String(required=True)
    heading = ma.fields.String(required=True)
    fields = ma.fields.List(ma.fields.String(), required=True)


class PrivacyNoticeRetention(ma.Schema):
    record = ma.fields.String(required=True)
    label = ma.fields.String(required=True)
    days = ma.fields.Integer(required=True)


class PrivacyNoticeSchema(ma.Schema):
    language = ma.fields.String(required=True)
    title = ma.fields.String(required=True)
    organisation = ma.fields.Dict(required=True)
    programmes = ma.fields.List(ma.fields.Dict(), required=True)
    controller = ma.fields.Dict(required=True)
    data_protection_contact = ma.fields.String(required=True)
    sections = ma.fields.List(ma.fields.Nested(PrivacyNoticeSection), required=True)
    data_heading = ma.fields.String(required=True)
    data = ma.fields.List(ma.fields.Nested(PrivacyNoticeGroup), required=True)
    retention = ma.fields.List(ma.fields.Nested(PrivacyNoticeRetention), required=True)
    days_word = ma.fields.String(required=True)


# --- visibility -------------------------------------------------------------------


@path_object("privacy_request_id")
def _request_visible(db: Session, principal: Principal, privacy_request_id: uuid.UUID) -> bool:
    # Only the organisation's admins see the request log (it says who asked what).
    return (
        principal.role == Role.TENANT_ADMIN
        and db.get(PrivacyRequest, privacy_request_id) is not None
    )


@path_object("tenant_export_id")
def _export_visible(db: Session, principal: Principal, tenant_export_id: uuid.UUID) -> bool:
    return (
        principal.role == Role.TENANT_ADMIN and db.get(TenantExport, tenant_export_id) is not None
    )


def _as_item(req: PrivacyRequest, today: date) -> dict[str, Any]:
    return {
        **{k: getattr(req, k) for k in PrivacyRequestSchema._declared_fields if k != "overdue"},
        "overdue": req.status == RequestStatus.OPEN and req.due_on < today,
    }


def _encode(due_on: date, ident: uuid.UUID) -> str:
    raw = f"{due_on.isoformat()}|{ident}".encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _decode(cursor: str) -> tuple[date, uuid.UUID]:
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        due, ident = raw.split("|", 1)
        return date.fromisoformat(due), uuid.UUID(ident)
    except (ValueError, UnicodeDecodeError) as exc:
        raise ValidationFailed(
            "The cursor is not valid.",
            code="invalid_cursor",
            errors={"query": {"cursor": ["Not a cursor from this list."]}},
        ) from exc


def list_open_requests(
    db: Session, *, limit: int = DEFAULT_LIMIT, cursor: str | None = None
) -> dict[str, Any]:
    """Open requests by deadline, earliest first: the overdue ones come first. One query."""
    stmt = select(PrivacyRequest).where(PrivacyRequest.status == RequestStatus.OPEN)
    if cursor:
        due, last = _decode(cursor)
        stmt = stmt.where(tuple_(PrivacyRequest.due_on, PrivacyRequest.id) > tuple_(due, last))
    rows = list(
        db.scalars(stmt.order_by(PrivacyRequest.due_on, PrivacyRequest.id).limit(limit + 1))
    )
    more = len(rows) > limit
    rows = rows[:limit]
    return {
        "items": rows,
        "next_cursor": _encode(rows[-1].due_on, rows[-1].id) if more and rows else None,
    }


# --- requests ---------------------------------------------------------------------------


@blp.route("/requests")
class Requests(MethodView):
    @blp.arguments(PrivacyRequestListArgs, location="query")
    @blp.response(200, RequestPage)
    def get(self, args: dict[str, Any]) -> dict[str, Any]:
        """The request log: open requests by deadline (overdue first), or the closed ones."""
        authorize(Permission.MANAGE_PRIVACY_REQUESTS)
        status = args.pop("status")
        today = date.today()
        with get_database().unit_of_work() as db:
            if status == "open":
                page = list_open_requests(db, **args)
            else:
                stmt = select(PrivacyRequest).where(PrivacyRequest.status != RequestStatus.OPEN)
                page = paginate(
                    db, stmt, created=PrivacyRequest.created_at, ident=PrivacyRequest.id, **args
                )
            page["items"] = [_as_item(r, today) for r in page["items"]]
            return page

    @blp.arguments(PrivacyRequestInput)
    @blp.response(201, PrivacyRequestSchema)
    def post(self, args: dict[str, Any]) -> dict[str, Any]:
        """Log a request received by mail, phone or in person; its deadline is one month."""
        principal = authorize(Permission.MANAGE_PRIVACY_REQUESTS)
        with get_database().unit_of_work() as db:
            req = rights.record_request(
                db,
                tenant_id=principal.tenant_id,
                kind=args["kind"],
                subject=Subject(args["subject_type"], args["subject_id"]),
                received_on=args["received_on"],
                recorded_by=principal.user_id,
                note=args["note"],
            )
            return _as_item(req, date.today())


@blp.route("/requests/<uuid:privacy_request_id>")
class RequestItem(MethodView):
    @blp.response(200, PrivacyRequestSchema)
    def get(self, privacy_request_id: uuid.UUID) -> dict[str, Any]:
        """One request."""
        authorize(Permission.MANAGE_PRIVACY_REQUESTS)
        with get_database().unit_of_work() as db:
            return _as_item(get_or_404(db, PrivacyRequest, privacy_request_id), date.today())


def _links(base: str) -> dict[str, Any]:
    storage = current_storage()
    keys = rights.export_keys(base)
    return {
        "json_url": storage.signed_url(
            keys["json"], filename="tietosi.json", content_type="application/json"
        ),
        "html_url": storage.signed_url(
            keys["html"], filename="tietosi.html", content_type="text/html; charset=utf-8"
        ),
        "expires_in": 300,
    }


@blp.route("/requests/<uuid:privacy_request_id>/export")
class RequestExport(MethodView):
    @blp.response(200, PrivacyExportLinks)
    def get(self, privacy_request_id: uuid.UUID) -> dict[str, Any]:
        """Fresh short-lived links to an answered access request's export."""
        authorize(Permission.MANAGE_PRIVACY_REQUESTS)
        with get_database().unit_of_work() as db:
            req = get_or_404(db, PrivacyRequest, privacy_request_id)
            if not req.export_key:
                raise NotFound(_("This request has no export."), code="no_export")
            return _links(req.export_key)

    @blp.arguments(PrivacyNoteInput)
    @blp.response(201, PrivacyExportLinks)
    def post(self, args: dict[str, Any], privacy_request_id: uuid.UUID) -> dict[str, Any]:
        """Answer an access request: the person's data as JSON and as a readable document."""
        principal = authorize(Permission.MANAGE_PRIVACY_REQUESTS)
        with get_database().unit_of_work() as db:
            req = get_or_404(db, PrivacyRequest, privacy_request_id)
            rights.fulfil_access(
                db,
                current_storage(),
                req,
                tenant_id=principal.tenant_id,
                handled_by=principal.user_id,
                lang=principal.language,
            )
            base = req.export_key
        assert base is not None
        return _links(base)


class AccountFields(ma.Schema):
    name = ma.fields.String(validate=ma.validate.Length(1, 200))
    language = ma.fields.String(validate=ma.validate.OneOf(["fi", "sv", "en"]))


def _valid_changes(subject_type: SubjectType, changes: dict[str, Any]) -> dict[str, Any]:
    """The changes checked by the same schema as the owning edit endpoint.

    Fields that cannot be corrected here are left for the service to refuse
    (`unknown_fields`), so the answer names them.
    """
    from tukiverkko.platform.primitives.api import ParticipantFields, VolunteerProfile

    schema: ma.Schema = {
        SubjectType.VOLUNTEER: VolunteerProfile,
        SubjectType.PARTICIPANT: ParticipantFields,
        SubjectType.USER: AccountFields,
    }[subject_type]()
    if set(changes) - set(schema.fields):
        return changes
    try:
        loaded: dict[str, Any] = schema.load(changes, partial=True)
    except ma.ValidationError as exc:
        raise ValidationFailed(
            _("Some fields are not valid."),
            code="validation_failed",
            errors={"json": {"changes": exc.messages}},
        ) from exc
    return loaded


@blp.route("/requests/<uuid:privacy_request_id>/rectify")
class RequestRectify(MethodView):
    @blp.arguments(PrivacyRectifyInput)
    @blp.response(200, PrivacyRequestSchema)
    def post(self, args: dict[str, Any], privacy_request_id: uuid.UUID) -> dict[str, Any]:
        """Correct the person's data (through the services that own it) and complete the request."""
        principal = authorize(Permission.MANAGE_PRIVACY_REQUESTS)
        with get_database().unit_of_work() as db:
            req = get_or_404(db, PrivacyRequest, privacy_request_id)
            changes = _valid_changes(req.subject_type, args["changes"])
            rights.rectify(db, req, changes, handled_by=principal.user_id, note=args["note"])
            return _as_item(req, date.today())


@blp.route("/requests/<uuid:privacy_request_id>/erase")
class RequestErase(MethodView):
    @blp.arguments(PrivacyEraseInput)
    @blp.response(200, PrivacyErasureSchema)
    def post(self, args: dict[str, Any], privacy_request_id: uuid.UUID) -> Any:
        """Erase the person: every personal field goes, the figures stay. Cannot be undone."""
        principal = authorize(Permission.MANAGE_PRIVACY_REQUESTS)
        if not args["confirm"]:
            raise ValidationFailed(
                _("Erasure cannot be undone: confirm it."),
                code="confirmation_required",
                errors={"json": {"confirm": [_("Must be true.")]}},
            )
        with get_database().unit_of_work() as db:
            req = get_or_404(db, PrivacyRequest, privacy_request_id)
            return rights.fulfil_erasure(
                db,
                current_storage(),
                req,
                tenant_id=principal.tenant_id,
                handled_by=principal.user_id,
                audit_redactor=_audit_redactor(),
                note=args["note"],
            )


@blp.route("/requests/<uuid:privacy_request_id>/refuse")
class RequestRefuse(MethodView):
    @blp.arguments(PrivacyNoteInput)
    @blp.response(200, PrivacyRequestSchema)
    def post(self, args: dict[str, Any], privacy_request_id: uuid.UUID) -> dict[str, Any]:
        """Refuse a request, saying why (e.g. the law requires keeping the data)."""
        principal = authorize(Permission.MANAGE_PRIVACY_REQUESTS)
        with get_database().unit_of_work() as db:
            req = get_or_404(db, PrivacyRequest, privacy_request_id)
            rights.refuse_request(db, req, handled_by=principal.user_id, note=args["note"])
            return _as_item(req, date.today())


# --- settings -----------------------------------------------------------------------


@blp.route("/settings")
class PrivacySettingsView(MethodView):
    @blp.response(200, PrivacySettingsSchema)
    def get(self) -> Any:
        """The controller's details for the privacy notice, and the retention periods (days)."""
        principal = authorize(Permission.MANAGE_PRIVACY_SETTINGS)
        with get_database().unit_of_work() as db:
            return retention.settings_of(db, principal.tenant_id)

    @blp.arguments(PrivacySettingsSchema)
    @blp.response(200, PrivacySettingsSchema)
    def put(self, args: dict[str, Any]) -> Any:
        """Change them; fields left out stay as they were."""
        principal = authorize(Permission.MANAGE_PRIVACY_SETTINGS)
        with get_database().unit_of_work() as db:
            return retention.update_settings(
                db, principal.tenant_id, args, actor_id=principal.user_id
            )


# --- tenant export and exit ----------------------------------------------------------


def _export_item(export: TenantExport) -> dict[str, Any]:
    url = None
    if export.status == ExportStatus.READY and export.storage_key:
        url = current_storage().signed_url(
            export.storage_key,
            filename=f"tukiverkko-{export.created_at.date().isoformat()}.zip",
            content_type="application/zip",
        )
    return {
        "id": export.id,
        "status": export.status,
        "size": export.size,
        "created_at": export.created_at,
        "finished_at": export.finished_at,
        "download_url": url,
    }


@blp.route("/tenant-exports")
class TenantExports(MethodView):
    @blp.arguments(PageArgs, location="query")
    @blp.response(200, TenantExportPage)
    def get(self, args: dict[str, Any]) -> dict[str, Any]:
        """Archives of the organisation's data, newest first."""
        authorize(Permission.EXPORT_TENANT)
        with get_database().unit_of_work() as db:
            page = paginate(
                db,
                select(TenantExport),
                created=TenantExport.created_at,
                ident=TenantExport.id,
                **args,
            )
            return {**page, "items": [_export_item(e) for e in page["items"]]}

    @blp.response(202, TenantExportSchema)
    def post(self) -> dict[str, Any]:
        """Start an archive of all of the organisation's data and files (made by a job)."""
        principal = authorize(Permission.EXPORT_TENANT)
        with get_database().unit_of_work() as db:
            export = tenant_export.request_export(
                db, tenant_id=principal.tenant_id, requested_by=principal.user_id
            )
            export_id = export.id
        with get_database().unit_of_work() as db:  # the in-process job has run by now
            return _export_item(get_or_404(db, TenantExport, export_id))


@blp.route("/tenant-exports/<uuid:tenant_export_id>")
class TenantExportItem(MethodView):
    @blp.response(200, TenantExportSchema)
    def get(self, tenant_export_id: uuid.UUID) -> dict[str, Any]:
        """One archive; when ready, with a download link valid for five minutes."""
        authorize(Permission.EXPORT_TENANT)
        with get_database().unit_of_work() as db:
            return _export_item(get_or_404(db, TenantExport, tenant_export_id))


@blp.route("/close")
class CloseTenant(MethodView):
    @blp.arguments(TenantCloseInput)
    @blp.response(200, TenantCloseSchema)
    def post(self, args: dict[str, Any]) -> dict[str, Any]:
        """Close the organisation: everyone is signed out; the data goes after the grace period."""
        from tukiverkko.tenants.models import Tenant

        principal = authorize(Permission.CLOSE_TENANT)
        if args["confirm_slug"] != principal.tenant_slug:
            raise ValidationFailed(
                _("Type the organisation's address to confirm."),
                code="confirmation_required",
                errors={"json": {"confirm_slug": [_("Does not match.")]}},
            )
        grace = _settings().tenant_deletion_grace_days
        with context.cross_tenant("tenant closes itself"), get_database().unit_of_work() as db:
            tenant = get_or_404(db, Tenant, principal.tenant_id)
            exit_ = tenant_export.close_tenant(
                db,
                tenant,
                actor_id=principal.user_id,
                actor_tenant_id=principal.tenant_id,
                reason=args["reason"],
                grace_days=grace,
            )
            deletion = exit_.delete_after
            closed_at = exit_.closed_at
        return {
            "closed_at": closed_at,
            "delete_after": deletion,
            "message": _(
                "The organisation is closed and no one can sign in. Its data and files are"
                " kept until %(day)s and then deleted for good. Until then the platform"
                " operator can give you the archive of your data.",
                day=deletion.date().isoformat(),
            ),
        }


# --- the privacy notice ----------------------------------------------------------------


@public_blp.route("/<slug>/privacy-notice")
class PublicNotice(MethodView):
    @public_blp.arguments(PrivacyNoticeArgs, location="query")
    @public_blp.response(200, PrivacyNoticeSchema)
    def get(self, args: dict[str, Any], slug: str) -> dict[str, Any]:
        """The organisation's privacy notice (tietosuojaseloste) in fi, sv or en.

        With `programme_id`, the notice of that programme only.
        """
        tenant = public_tenant(slug)
        with context.bind(tenant_id=tenant.id), get_database().unit_of_work() as db:
            return notice.privacy_notice(
                db, tenant, lang=args["lang"], programme_id=args["programme_id"]
            )


@pages.get("/t/<slug>/privacy")
@pages.get("/t/<slug>/privacy/<programme>")
def privacy_notice_page(slug: str, programme: str | None = None) -> str:
    """The privacy notice as a page, in the language of the page (fi, sv or en)."""
    from flask_babel import get_locale

    programme_id = None
    if programme is not None:
        try:
            programme_id = uuid.UUID(programme)
        except ValueError:
            abort(404)
    tenant = public_tenant(slug)
    g.tenant = tenant  # the page header shows the organisation
    with context.bind(tenant_id=tenant.id), get_database().unit_of_work() as db:
        content = notice.privacy_notice(
            db, tenant, lang=str(get_locale()), programme_id=programme_id
        )
    return render_template("pages/privacy_notice.html", notice=content)
