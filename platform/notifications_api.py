"""API: one's own in-app notifications and notification preferences."""

from __future__ import annotations

import uuid
from typing import Any

import marshmallow as ma
from flask.views import MethodView
from flask_smorest import Blueprint
from sqlalchemy.orm import Session

from tukiverkko.platform import notifications
from tukiverkko.platform.auth import path_object, require_principal
from tukiverkko.platform.db import get_database, get_or_404
from tukiverkko.platform.errors import Conflict, ValidationFailed
from tukiverkko.platform.identity.service import Principal
from tukiverkko.platform.notifications import Channel, Notification
from tukiverkko.platform.pagination import PageArgs, page_schema, paginate
from tukiverkko.platform.read_cache import cached_read

blp = Blueprint(
    "notifications", __name__, url_prefix="/notifications", description="One's own notifications"
)


class NotificationSchema(ma.Schema):
    id = ma.fields.UUID(required=True)
    kind = ma.fields.String(required=True)
    title = ma.fields.String(required=True)
    body = ma.fields.String(required=True)
    created_at = ma.fields.AwareDateTime(required=True)
    read_at = ma.fields.AwareDateTime(allow_none=True, required=True)


class InboxArgs(PageArgs):
    unread = ma.fields.Boolean(load_default=False, metadata={"description": "only unread ones"})


class PreferenceSchema(ma.Schema):
    kind = ma.fields.String(required=True)
    essential = ma.fields.Boolean(required=True)
    email = ma.fields.Boolean(required=True)
    in_app = ma.fields.Boolean(required=True)


class PreferencesSchema(ma.Schema):
    items = ma.fields.List(ma.fields.Nested(PreferenceSchema), required=True)


class PreferenceChange(ma.Schema):
    kind = ma.fields.String(required=True, validate=ma.validate.Length(1, 64))
    email = ma.fields.Boolean()
    in_app = ma.fields.Boolean()


NotificationPage = page_schema(NotificationSchema, "NotificationPage")


@path_object("notification_id")
def _notification_visible(db: Session, principal: Principal, notification_id: uuid.UUID) -> bool:
    # The tenant filter hides other organisations'; the owner check hides colleagues'.
    found = db.get(Notification, notification_id)
    return found is not None and found.user_id == principal.user_id


def _present(notification: Notification, language: str) -> dict[str, Any]:
    title, body = notifications.render(notification.kind, notification.params, language)
    return {
        "id": notification.id,
        "kind": notification.kind,
        "title": title,
        "body": body,
        "created_at": notification.created_at,
        "read_at": notification.read_at,
    }


@blp.route("")
class Inbox(MethodView):
    @cached_read
    @blp.arguments(InboxArgs, location="query")
    @blp.response(200, NotificationPage)
    def get(self, args: dict[str, Any]) -> dict[str, Any]:
        """One's own notifications, newest first, in one's own language."""
        principal = require_principal()
        stmt = notifications.inbox_query(principal.user_id, unread_only=args.pop("unread"))
        with get_database().unit_of_work() as db:
            page = paginate(
                db, stmt, created=Notification.created_at, ident=Notification.id, **args
            )
            page["items"] = [_present(n, principal.language) for n in page["items"]]
        return page


@blp.route("/<uuid:notification_id>/read")
class MarkRead(MethodView):
    @blp.response(200, NotificationSchema)
    def post(self, notification_id: uuid.UUID) -> dict[str, Any]:
        """Mark one of one's notifications read (again: no change)."""
        principal = require_principal()
        with get_database().unit_of_work() as db:
            found = notifications.mark_read(get_or_404(db, Notification, notification_id))
            return _present(found, principal.language)


@blp.route("/preferences")
class Preferences(MethodView):
    @blp.response(200, PreferencesSchema)
    def get(self) -> dict[str, Any]:
        """Which kinds one gets on which channel; essential kinds cannot be turned off."""
        principal = require_principal()
        with get_database().unit_of_work() as db:
            return {"items": notifications.preferences(db, principal.user_id)}

    @blp.arguments(PreferenceChange)
    @blp.response(200, PreferencesSchema)
    def patch(self, args: dict[str, Any]) -> dict[str, Any]:
        """Turn one kind on or off, per channel, for oneself."""
        principal = require_principal()
        notifications.load_kinds()
        if args["kind"] not in notifications.KINDS:
            raise ValidationFailed(
                "No such kind of notification.",
                code="unknown_notification_kind",
                errors={"json": {"kind": ["Unknown kind."]}},
            )
        with get_database().unit_of_work() as db:
            for channel in Channel:
                if channel.value not in args:
                    continue
                try:
                    notifications.set_preference(
                        db, principal.user_id, args["kind"], channel, args[channel.value]
                    )
                except notifications.EssentialNotification:
                    raise Conflict(
                        "This notification cannot be turned off.", code="essential_notification"
                    ) from None
            db.flush()
            return {"items": notifications.preferences(db, principal.user_id)}
