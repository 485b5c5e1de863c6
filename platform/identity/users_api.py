"""API: the accounts of one's organisation."""

from __future__ import annotations

import uuid
from typing import Any

import marshmallow as ma
from flask.views import MethodView
from flask_smorest import Blueprint
from sqlalchemy import select
from sqlalchemy.orm import Session

from tukiverkko.platform.auth import authorize, path_object, require_principal
from tukiverkko.platform.db import get_database, get_or_404
from tukiverkko.platform.errors import Forbidden
from tukiverkko.platform.i18n import LANGUAGES
from tukiverkko.platform.identity import emails, users
from tukiverkko.platform.identity.models import Role, User, UserStatus
from tukiverkko.platform.identity.service import Principal
from tukiverkko.platform.pagination import PageArgs, page_schema, paginate
from tukiverkko.platform.permissions import Permission, allows
from tukiverkko.tenants.models import Tenant

blp = Blueprint("users", __name__, url_prefix="/users", description="Accounts")


class UserSchema(ma.Schema):
    id = ma.fields.UUID(required=True)
    email = ma.fields.String(required=True)
    name = ma.fields.String(required=True)
    role = ma.fields.Enum(Role, by_value=True, required=True)
    status = ma.fields.Enum(UserStatus, by_value=True, required=True)
    language = ma.fields.String(required=True)
    created_at = ma.fields.AwareDateTime(required=True)


class UserEdit(ma.Schema):
    name = ma.fields.String(validate=ma.validate.Length(1, 200))
    language = ma.fields.String(validate=ma.validate.OneOf(LANGUAGES))


class Invitation(ma.Schema):
    email = ma.fields.Email(required=True, validate=ma.validate.Length(max=254))
    name = ma.fields.String(required=True, validate=ma.validate.Length(1, 200))
    role = ma.fields.Enum(Role, by_value=True, load_default=Role.VOLUNTEER)
    language = ma.fields.String(load_default="fi", validate=ma.validate.OneOf(LANGUAGES))


class RoleChange(ma.Schema):
    role = ma.fields.Enum(Role, by_value=True, required=True)


UserPage = page_schema(UserSchema, "UserPage")


@path_object("user_id")
def _user_visible(db: Session, principal: Principal, user_id: uuid.UUID) -> bool:
    # The tenant filter hides other organisations' accounts.
    return db.get(User, user_id) is not None


@blp.route("")
class Users(MethodView):
    @blp.arguments(PageArgs, location="query")
    @blp.response(200, UserPage)
    def get(self, args: dict[str, Any]) -> dict[str, Any]:
        """Accounts of one's organisation, newest first."""
        authorize(Permission.READ_USERS)
        with get_database().unit_of_work() as db:
            return paginate(db, select(User), created=User.created_at, ident=User.id, **args)


@blp.route("/invitations")
class Invitations(MethodView):
    @blp.arguments(Invitation)
    @blp.response(201, UserSchema)
    def post(self, args: dict[str, Any]) -> User:
        """Invite a person by email; the link in the email sets their password."""
        principal = require_principal()
        volunteer = args["role"] == Role.VOLUNTEER
        authorize(Permission.INVITE_VOLUNTEERS if volunteer else Permission.MANAGE_USERS)
        with get_database().unit_of_work() as db:
            user, token = users.invite_user(db, principal, **args)
            tenant = db.get(Tenant, principal.tenant_id)
            assert tenant is not None
            # Emitted in the same transaction: the email goes out iff the account is committed.
            emails.send_invitation(
                db, user=user, tenant_name=tenant.name, tenant_slug=tenant.slug, token=token
            )
        return user


@blp.route("/<uuid:user_id>")
class UserItem(MethodView):
    @blp.response(200, UserSchema)
    def get(self, user_id: uuid.UUID) -> User:
        """One account (oneself, or anyone of one's organisation for staff)."""
        principal = require_principal()
        if principal.user_id != user_id:
            authorize(Permission.READ_USERS)
        with get_database().unit_of_work() as db:
            return get_or_404(db, User, user_id)

    @blp.arguments(UserEdit)
    @blp.response(200, UserSchema)
    def patch(self, args: dict[str, Any], user_id: uuid.UUID) -> User:
        """Edit name and language (oneself, or anyone for admins)."""
        principal = require_principal()
        if principal.user_id != user_id and not allows(principal.role, Permission.MANAGE_USERS):
            raise Forbidden("You can only edit your own account.", code="permission_denied")
        with get_database().unit_of_work() as db:
            user = get_or_404(db, User, user_id)
            for key, value in args.items():
                setattr(user, key, value)
            return user


@blp.route("/<uuid:user_id>/role")
class UserRole(MethodView):
    @blp.arguments(RoleChange)
    @blp.response(200, UserSchema)
    def post(self, args: dict[str, Any], user_id: uuid.UUID) -> User:
        """Change a person's role (admins)."""
        principal = authorize(Permission.MANAGE_USERS)
        with get_database().unit_of_work() as db:
            user = get_or_404(db, User, user_id)
            return users.change_role(db, principal, user, args["role"])


def _disable_route(name: str, disabled: bool) -> None:
    @blp.route(f"/<uuid:user_id>/{name}", endpoint=f"user_{name}")
    class Toggle(MethodView):
        @blp.response(200, UserSchema)
        def post(self, user_id: uuid.UUID) -> User:
            principal = authorize(Permission.MANAGE_USERS)
            with get_database().unit_of_work() as db:
                user = get_or_404(db, User, user_id)
                return users.set_disabled(db, principal, user, disabled)


_disable_route("disable", True)
_disable_route("enable", False)
