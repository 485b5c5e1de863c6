"""API: organisations. Operators see and manage all; everyone else sees their own."""

from __future__ import annotations

import uuid
from typing import Any

import marshmallow as ma
from flask.views import MethodView
from flask_smorest import Blueprint
from sqlalchemy import select
from sqlalchemy.orm import Session

from tukiverkko.platform import context
from tukiverkko.platform.auth import authorize, path_object
from tukiverkko.platform.db import get_database, get_or_404
from tukiverkko.platform.i18n import LANGUAGES
from tukiverkko.platform.identity import emails, users
from tukiverkko.platform.identity.models import Role, User
from tukiverkko.platform.identity.service import Principal
from tukiverkko.platform.identity.users_api import UserSchema
from tukiverkko.platform.pagination import PageArgs, page_schema, paginate
from tukiverkko.platform.permissions import Permission
from tukiverkko.tenants import service
from tukiverkko.tenants.models import Tenant, TenantKind, TenantStatus

blp = Blueprint("tenants", __name__, url_prefix="/tenants", description="Organisations")


class TenantSchema(ma.Schema):
    id = ma.fields.UUID(required=True)
    slug = ma.fields.String(required=True)
    name = ma.fields.String(required=True)
    kind = ma.fields.Enum(TenantKind, by_value=True, required=True)
    status = ma.fields.Enum(TenantStatus, by_value=True, required=True)
    business_id = ma.fields.String(allow_none=True, required=True)
    municipality = ma.fields.String(required=True)
    contact_name = ma.fields.String(required=True)
    contact_email = ma.fields.String(required=True)
    contact_phone = ma.fields.String(required=True)
    created_at = ma.fields.AwareDateTime(required=True)


class TenantEdit(ma.Schema):
    name = ma.fields.String(validate=ma.validate.Length(1, 200))
    municipality = ma.fields.String(validate=ma.validate.Length(max=100))
    contact_name = ma.fields.String(validate=ma.validate.Length(max=200))
    contact_email = ma.fields.Email(validate=ma.validate.Length(max=254))
    contact_phone = ma.fields.String(validate=ma.validate.Length(max=40))


class TenantCreate(TenantEdit):
    slug = ma.fields.String(required=True, validate=ma.validate.Length(1, 63))
    name = ma.fields.String(required=True, validate=ma.validate.Length(1, 200))
    kind = ma.fields.Enum(TenantKind, by_value=True, required=True)
    business_id = ma.fields.String(load_default=None, validate=ma.validate.Length(max=9))


class AdminInvitation(ma.Schema):
    email = ma.fields.Email(required=True, validate=ma.validate.Length(max=254))
    name = ma.fields.String(required=True, validate=ma.validate.Length(1, 200))
    language = ma.fields.String(load_default="fi", validate=ma.validate.OneOf(LANGUAGES))


class StatusChange(ma.Schema):
    reason = ma.fields.String(required=True, validate=ma.validate.Length(1, 1000))


TenantPage = page_schema(TenantSchema, "TenantPage")


def can_see_tenant(principal: Principal, tenant_id: uuid.UUID) -> bool:
    return principal.role == Role.OPERATOR or principal.tenant_id == tenant_id


@path_object("tenant_id")
def _tenant_visible(db: Session, principal: Principal, tenant_id: uuid.UUID) -> bool:
    return can_see_tenant(principal, tenant_id) and db.get(Tenant, tenant_id) is not None


@blp.route("")
class Tenants(MethodView):
    @blp.arguments(PageArgs, location="query")
    @blp.response(200, TenantPage)
    def get(self, args: dict[str, Any]) -> dict[str, Any]:
        """Organisations: all of them for operators, one's own for everyone else."""
        principal = authorize(Permission.READ_TENANT)
        stmt = select(Tenant)
        if principal.role != Role.OPERATOR:
            stmt = stmt.where(Tenant.id == principal.tenant_id)
        with get_database().unit_of_work() as db:
            return paginate(db, stmt, created=Tenant.created_at, ident=Tenant.id, **args)

    @blp.arguments(TenantCreate)
    @blp.response(201, TenantSchema)
    def post(self, args: dict[str, Any]) -> Tenant:
        """Register an organisation (operators). It starts as pending."""
        principal = authorize(Permission.MANAGE_TENANTS)
        with get_database().unit_of_work() as db:
            return service.create_tenant(
                db, actor_id=principal.user_id, actor_tenant_id=principal.tenant_id, **args
            )


@blp.route("/<uuid:tenant_id>")
class TenantItem(MethodView):
    @blp.response(200, TenantSchema)
    def get(self, tenant_id: uuid.UUID) -> Tenant:
        """One organisation."""
        authorize(Permission.READ_TENANT)
        with get_database().unit_of_work() as db:
            return get_or_404(db, Tenant, tenant_id)

    @blp.arguments(TenantEdit)
    @blp.response(200, TenantSchema)
    def patch(self, args: dict[str, Any], tenant_id: uuid.UUID) -> Tenant:
        """Edit the name, municipality and contact details."""
        authorize(Permission.EDIT_TENANT)
        with get_database().unit_of_work() as db:
            tenant = get_or_404(db, Tenant, tenant_id)
            return service.update_tenant(db, tenant, args)


@blp.route("/<uuid:tenant_id>/admins")
class TenantAdmins(MethodView):
    @blp.arguments(AdminInvitation)
    @blp.response(201, UserSchema)
    def post(self, args: dict[str, Any], tenant_id: uuid.UUID) -> User:
        """Invite an organisation's admin by email (operators; usually its first admin)."""
        principal = authorize(Permission.MANAGE_TENANTS)
        with context.cross_tenant("invite tenant admin"), get_database().unit_of_work() as db:
            tenant = get_or_404(db, Tenant, tenant_id)
            user, token = users.invite_first_admin(db, principal, tenant.id, **args)
            # Emitted in the same transaction: the email goes out iff the account is committed.
            emails.send_invitation(
                db, user=user, tenant_name=tenant.name, tenant_slug=tenant.slug, token=token
            )
        return user


def _status_route(name: str, status: TenantStatus, doc: str) -> None:
    @blp.route(f"/<uuid:tenant_id>/{name}", endpoint=f"tenant_{name}")
    class StatusAction(MethodView):
        @blp.arguments(StatusChange)
        @blp.response(200, TenantSchema)
        def post(self, args: dict[str, Any], tenant_id: uuid.UUID) -> Tenant:
            principal = authorize(Permission.MANAGE_TENANTS)
            with context.cross_tenant(f"tenant {name}"), get_database().unit_of_work() as db:
                tenant = get_or_404(db, Tenant, tenant_id)
                return service.change_tenant_status(
                    db,
                    tenant,
                    status,
                    actor_id=principal.user_id,
                    actor_tenant_id=principal.tenant_id,
                    reason=args["reason"],
                )

    StatusAction.post.__doc__ = doc


_status_route("activate", TenantStatus.ACTIVE, "Activate (or reinstate) an organisation.")
_status_route("suspend", TenantStatus.SUSPENDED, "Suspend: its people cannot sign in; data stays.")
_status_route("close", TenantStatus.CLOSED, "Close an organisation for good.")
