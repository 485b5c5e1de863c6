"""Managing people in one's organisation: invitations, roles, disabling."""

from __future__ import annotations

import uuid

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from tukiverkko.platform import audit
from tukiverkko.platform.errors import Conflict, Forbidden
from tukiverkko.platform.identity.models import Role, TokenPurpose, User, UserStatus
from tukiverkko.platform.identity.service import (
    Principal,
    create_user,
    issue_link_token,
    revoke_user_sessions,
)
from tukiverkko.platform.permissions import GRANTABLE_ROLES


def _may_grant(actor: Principal, role: Role) -> None:
    if role not in GRANTABLE_ROLES[actor.role]:
        raise Forbidden("Your role cannot give this role.", code="role_not_grantable")


def invite_user(
    session: Session, actor: Principal, *, email: str, name: str, role: Role, language: str
) -> tuple[User, str]:
    """Create an invited account in the actor's organisation and a link token for it."""
    _may_grant(actor, role)
    user = create_user(
        session, tenant_id=actor.tenant_id, email=email, name=name, role=role, language=language
    )
    token = issue_link_token(session, user, TokenPurpose.INVITATION)
    audit.record(
        session,
        "user_invited",
        actor_id=actor.user_id,
        target_type="user",
        target_id=user.id,
        role=role.value,
    )
    return user, token


def invite_first_admin(
    session: Session,
    actor: Principal,
    tenant_id: uuid.UUID,
    *,
    email: str,
    name: str,
    language: str,
) -> tuple[User, str]:
    """An operator invites an organisation's admin (runs inside `context.cross_tenant`)."""
    _may_grant(actor, Role.TENANT_ADMIN)
    user = create_user(
        session, tenant_id=tenant_id, email=email, name=name, role=Role.TENANT_ADMIN,
        language=language,
    )  # fmt: skip
    token = issue_link_token(session, user, TokenPurpose.INVITATION)
    for log_tenant in {actor.tenant_id, tenant_id}:
        audit.record(
            session,
            "user_invited",
            tenant_id=log_tenant,
            actor_id=actor.user_id,
            target_type="user",
            target_id=user.id,
            role=Role.TENANT_ADMIN.value,
        )
    return user, token


def _active_admins(session: Session, tenant_id: uuid.UUID) -> int:
    return (
        session.scalar(
            select(func.count()).where(
                User.tenant_id == tenant_id,
                User.role == Role.TENANT_ADMIN,
                User.status == UserStatus.ACTIVE,
            )
        )
        or 0
    )


def change_role(session: Session, actor: Principal, user: User, role: Role) -> User:
    """Give a person another role; the last active admin cannot step down."""
    _may_grant(actor, role)
    if user.role == role:
        return user
    if user.role == Role.TENANT_ADMIN and _active_admins(session, user.tenant_id) <= 1:
        raise Conflict("The organisation needs at least one admin.", code="last_admin")
    old = user.role
    user.role = role
    revoke_user_sessions(session, user.id)  # a new role takes effect at the next sign-in
    audit.record(
        session,
        "role_changed",
        actor_id=actor.user_id,
        target_type="user",
        target_id=user.id,
        old=old.value,
        new=role.value,
    )
    return user


def set_disabled(session: Session, actor: Principal, user: User, disabled: bool) -> User:
    """Disable (sign out everywhere, no sign-in) or re-enable an account. Nothing is deleted."""
    if user.id == actor.user_id:
        raise Conflict("You cannot disable your own account.", code="cannot_disable_self")
    if disabled:
        if user.role == Role.TENANT_ADMIN and _active_admins(session, user.tenant_id) <= 1:
            raise Conflict("The organisation needs at least one admin.", code="last_admin")
        user.status = UserStatus.DISABLED
        revoke_user_sessions(session, user.id)
    elif user.status == UserStatus.DISABLED:
        user.status = (
            UserStatus.ACTIVE if user.password_hash or user.sso_subject else UserStatus.INVITED
        )
    audit.record(
        session,
        "user_disabled" if disabled else "user_enabled",
        actor_id=actor.user_id,
        target_type="user",
        target_id=user.id,
    )
    return user
