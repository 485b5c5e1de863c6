"""The notifications inbox (`/t/<slug>/inbox`) of every signed-in person.

One's own in-app notifications, newest first, read in the language of the
page; marking one read; turning kinds off per channel. The same services as
`notifications_api.py` (`platform/notifications.py`). The menu item shows the
number of unread notifications: one count query per page, whatever the
number.
"""

from __future__ import annotations

import uuid
from typing import Any

from flask import abort, flash, g, redirect, render_template, request, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from markupsafe import Markup, escape
from sqlalchemy import func, select
from werkzeug.wrappers import Response

from tukiverkko.platform import notifications
from tukiverkko.platform.db import get_or_404, unit_of_work
from tukiverkko.platform.notifications import Channel, Notification
from tukiverkko.platform.pages.frame import (
    nav_item,
    page_principal,
    safe_next,
    signed_in,
    tenant_pages,
)
from tukiverkko.platform.pages.frame import (
    signed_in_principal as _principal,
)
from tukiverkko.platform.pages.inbox_forms import (
    CHANNEL_LABELS,
    ButtonForm,
    field_name,
    kind_label,
    preferences_form,
)
from tukiverkko.platform.pagination import paginate

blp = tenant_pages("inbox_pages", __name__, "/inbox")

PAGE_SIZE = 25


def unread_count() -> int:
    """Unread notifications of the signed-in person (one query, once per request)."""
    cached = g.get("inbox_unread")
    if cached is not None:
        return int(cached)
    principal = page_principal() if g.get("tenant") is not None else None
    if principal is None:
        return 0
    with unit_of_work() as db:
        count = int(
            db.scalar(
                select(func.count(Notification.id)).where(
                    Notification.user_id == principal.user_id, Notification.read_at.is_(None)
                )
            )
            or 0
        )
    g.inbox_unread = count
    return count


class InboxLabel:
    """The menu label "Notifications", with the unread count when there is one.

    Rendered when the menu is drawn, in the reader's language; the number is
    in the text (not only a coloured badge) so screen readers say it too.
    """

    def __str__(self) -> str:
        count = unread_count()
        if count:
            return _("Notifications (%(count)s unread)", count=count)
        return _("Notifications")

    def __html__(self) -> Markup:
        return escape(str(self))


nav_item(InboxLabel(), "inbox_pages.inbox", None, 90)


@blp.get("")
@signed_in()
def inbox() -> Any:
    """One's own notifications, newest first; `?unread=1` for unread ones only."""
    principal = _principal()
    unread_only = request.args.get("unread") == "1"
    language = str(get_locale() or principal.language)
    stmt = notifications.inbox_query(principal.user_id, unread_only=unread_only)
    with unit_of_work() as db:
        page = paginate(
            db,
            stmt,
            created=Notification.created_at,
            ident=Notification.id,
            limit=PAGE_SIZE,
            cursor=request.args.get("cursor") or None,
        )
        items = []
        for note in page["items"]:
            title, body = notifications.render(note.kind, note.params, language)
            items.append(
                {
                    "id": note.id,
                    "kind": kind_label(note.kind),
                    "title": title,
                    "body": body,
                    "created_at": note.created_at,
                    "read_at": note.read_at,
                }
            )
    return render_template(
        "pages/inbox/inbox.html",
        items=items,
        next_cursor=page["next_cursor"],
        unread_only=unread_only,
        button=ButtonForm(),
    )


@blp.post("/<uuid:notification_id>/read")
@signed_in()
def mark_read(notification_id: uuid.UUID) -> Response:
    """Mark one of one's notifications read, and back to where the button was."""
    if not ButtonForm().validate_on_submit():
        abort(400)
    with unit_of_work() as db:
        notifications.mark_read(get_or_404(db, Notification, notification_id))
    return redirect(safe_next(request.form.get("back")) or url_for(".inbox"))


@blp.route("/preferences", methods=["GET", "POST"])
@signed_in()
def preferences() -> Any:
    """Which kinds one gets on which channel; essential ones cannot be turned off."""
    principal = _principal()
    notifications.load_kinds()
    channels = {k.name: {c.value for c in k.channels} for k in notifications.KINDS.values()}
    with unit_of_work() as db:
        items = notifications.preferences(db, principal.user_id)
    form = preferences_form(items, channels)
    if form.validate_on_submit():
        with unit_of_work() as db:
            for item in items:
                if item["essential"]:
                    continue
                for channel in channels.get(item["kind"], ()):
                    wanted = bool(getattr(form, field_name(item["kind"], channel)).data)
                    if wanted != item[channel]:
                        notifications.set_preference(
                            db, principal.user_id, item["kind"], Channel(channel), wanted
                        )
        flash(_("Your choices are saved."))
        return redirect(url_for(".preferences"))
    rows = [
        {
            "kind": item["kind"],
            "label": kind_label(item["kind"]),
            "essential": item["essential"],
            "fields": [
                (CHANNEL_LABELS[c], getattr(form, field_name(item["kind"], c), None), item[c])
                for c in sorted(channels.get(item["kind"], ()))
            ],
        }
        for item in items
    ]
    return render_template(
        "pages/inbox/preferences.html",
        form=form,
        rows=rows,
    ), (422 if form.is_submitted() else 200)
