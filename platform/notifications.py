"""Notifications: what people are told, in which language, on which channels.

A *kind* (`@kind("invitation", essential=True)`) renders a subject and a body
under the active locale; it is rendered when it is delivered, in the
recipient's language at that moment (`User.language`). Channels: email over
SMTP and the in-app inbox. Non-essential kinds can be turned off per person
and channel (`notification_opt_outs`); essential ones (sign-in links) cannot.

Everything goes through the outbox (`platform/outbox.py`):

- `notify(session, kind, user_id=…)` → one `notify` message → one email and/or
  one inbox entry;
- `notify_address(session, kind, to=…, language=…)` → one email to someone
  without an account (a public applicant);
- `announce(session, …)` → one `announcement` message whose handler, in one
  transaction, writes the inbox entries and splits the email recipients into
  `email_batch` messages of `BATCH_SIZE`, each sent over ONE SMTP connection
  (a forking RQ worker handles well under 100 jobs/s; one job per email would
  not reach the 200 emails/s we need).

Each email and inbox entry has a delivery key; an email is sent only if no
`Delivery` row has its key, and the row is written right after the SMTP
server accepted it.
"""

from __future__ import annotations

import enum
import json
import logging
import time
import uuid
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from flask_babel import force_locale
from sqlalchemy import JSON, ForeignKey, String, UniqueConstraint, insert, select, text
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Mapped, Session, mapped_column

from tukiverkko.platform import context, mail, outbox
from tukiverkko.platform.db import Base, HasId, HasTimestamps, TenantOwned, get_database, utcnow
from tukiverkko.platform.identity.models import Role, User, UserStatus

log = logging.getLogger(__name__)

BATCH_SIZE = 200
# Delivery rows are committed in groups of this many, or after this long
# (see `delivery_recorder`): the most a killed worker can resend.
DELIVERY_GROUP = 20
DELIVERY_FLUSH_SECONDS = 0.05


class Channel(enum.StrEnum):
    EMAIL = "email"
    IN_APP = "in_app"


@dataclass(frozen=True)
class Kind:
    """A kind of notification and how it reads (rendered under the active locale)."""

    name: str
    render: Callable[[dict[str, Any]], tuple[str, str]]
    essential: bool
    channels: frozenset[Channel]


KINDS: dict[str, Kind] = {}


def kind(
    name: str, *, essential: bool = False, channels: Iterable[Channel] = (Channel.EMAIL,)
) -> Callable[[Callable[[dict[str, Any]], tuple[str, str]]], Any]:
    """Register a kind: `@kind("match_proposed", channels=(Channel.EMAIL, Channel.IN_APP))`."""

    def register(
        render: Callable[[dict[str, Any]], tuple[str, str]],
    ) -> Callable[[dict[str, Any]], tuple[str, str]]:
        KINDS[name] = Kind(name, render, essential, frozenset(channels))
        return render

    return register


def load_kinds() -> None:
    """Import the modules that register kinds."""
    import tukiverkko.platform.identity.emails
    import tukiverkko.platform.primitives.events
    import tukiverkko.platform.primitives.followup
    import tukiverkko.platform.primitives.notices
    import tukiverkko.tenants.licensing  # noqa: F401


class Notification(HasId, HasTimestamps, TenantOwned, Base):
    """One entry of a person's in-app inbox."""

    __tablename__ = "notifications"

    user_id: Mapped[uuid.UUID] = mapped_column(
        # A person's inbox and choices go with their account (erasure).
        ForeignKey("users.id", ondelete="CASCADE"),
        index=True,
    )
    kind: Mapped[str] = mapped_column(String(64))
    params: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    delivery_key: Mapped[str] = mapped_column(String(300), unique=True)
    read_at: Mapped[datetime | None]


class NotificationOptOut(HasId, TenantOwned, Base):
    """A person does not want one non-essential kind on one channel."""

    __tablename__ = "notification_opt_outs"
    __table_args__ = (
        UniqueConstraint("user_id", "kind", "channel", name="uq_notification_opt_outs_choice"),
    )

    user_id: Mapped[uuid.UUID] = mapped_column(
        # A person's inbox and choices go with their account (erasure).
        ForeignKey("users.id", ondelete="CASCADE"),
        index=True,
    )
    kind: Mapped[str] = mapped_column(String(64))
    channel: Mapped[str] = mapped_column(String(16))


# --- rendering ---------------------------------------------------------------


def render(kind_name: str, params: dict[str, Any], language: str) -> tuple[str, str]:
    """Subject (title) and body of a notification in `language`."""
    load_kinds()
    with force_locale(language):
        return KINDS[kind_name].render(params)


# --- preferences -------------------------------------------------------------


def preferences(session: Session, user_id: uuid.UUID) -> list[dict[str, Any]]:
    """Every kind with the channels this person gets it on."""
    load_kinds()
    off = {
        (o.kind, o.channel)
        for o in session.scalars(
            select(NotificationOptOut).where(NotificationOptOut.user_id == user_id)
        )
    }
    return [
        {
            "kind": k.name,
            "essential": k.essential,
            **{c.value: c in k.channels and (k.name, c.value) not in off for c in Channel},
        }
        for k in sorted(KINDS.values(), key=lambda k: k.name)
    ]


class EssentialNotification(Exception):
    """Raised when someone tries to turn off a kind they must get."""


def set_preference(
    session: Session, user_id: uuid.UUID, kind_name: str, channel: Channel, enabled: bool
) -> None:
    """Turn one kind on or off on one channel for one person."""
    load_kinds()
    k = KINDS[kind_name]
    if k.essential and not enabled:
        raise EssentialNotification(kind_name)
    existing = session.scalars(
        select(NotificationOptOut).where(
            NotificationOptOut.user_id == user_id,
            NotificationOptOut.kind == kind_name,
            NotificationOptOut.channel == channel.value,
        )
    ).first()
    if enabled and existing is not None:
        session.delete(existing)
    elif not enabled and existing is None:
        session.add(NotificationOptOut(user_id=user_id, kind=kind_name, channel=channel.value))


def _opted_out(
    session: Session, kind_name: str, channel: Channel, user_ids: list[uuid.UUID]
) -> set[uuid.UUID]:
    if KINDS[kind_name].essential:
        return set()
    if len(user_ids) > 500:
        # A big audience (an announcement): the kind's opt-outs in this
        # organisation are few, so one query for all of them beats many IN lists.
        wanted = set(user_ids)
        return {
            u
            for u in session.scalars(
                select(NotificationOptOut.user_id).where(
                    NotificationOptOut.kind == kind_name,
                    NotificationOptOut.channel == channel.value,
                )
            )
            if u in wanted
        }
    out: set[uuid.UUID] = set()
    for start in range(0, len(user_ids), 500):
        out.update(
            session.scalars(
                select(NotificationOptOut.user_id).where(
                    NotificationOptOut.kind == kind_name,
                    NotificationOptOut.channel == channel.value,
                    NotificationOptOut.user_id.in_(user_ids[start : start + 500]),
                )
            )
        )
    return out


# --- the inbox ---------------------------------------------------------------


def inbox_query(user_id: uuid.UUID, *, unread_only: bool = False) -> Any:
    stmt = select(Notification).where(Notification.user_id == user_id)
    if unread_only:
        stmt = stmt.where(Notification.read_at.is_(None))
    return stmt


def mark_read(notification: Notification) -> Notification:
    notification.read_at = notification.read_at or utcnow()
    return notification


# --- emitting ----------------------------------------------------------------


def notify(
    session: Session,
    kind_name: str,
    *,
    user_id: uuid.UUID,
    params: dict[str, Any],
    delivery_key: str,
    tenant_id: uuid.UUID | None = None,
) -> outbox.OutboxMessage:
    """Tell one person something, after the caller's transaction commits."""
    load_kinds()
    if kind_name not in KINDS:
        raise LookupError(f"unknown notification kind {kind_name!r}")
    return outbox.emit(
        session,
        "notify",
        {"kind": kind_name, "user_id": str(user_id), "params": params},
        delivery_key=delivery_key,
        tenant_id=tenant_id,
    )


def notify_address(
    session: Session,
    kind_name: str,
    *,
    to: str,
    language: str,
    params: dict[str, Any],
    delivery_key: str,
    tenant_id: uuid.UUID | None = None,
) -> outbox.OutboxMessage:
    """Email someone who has no account (a public applicant), after the commit.

    Email only (there is no inbox without an account), in `language`. The
    address travels in the outbox payload, which is emptied once sent.
    """
    load_kinds()
    if kind_name not in KINDS:
        raise LookupError(f"unknown notification kind {kind_name!r}")
    return outbox.emit(
        session,
        "notify_address",
        {"kind": kind_name, "to": to, "language": language, "params": params},
        delivery_key=delivery_key,
        tenant_id=tenant_id,
    )


def announce(
    session: Session,
    *,
    author_id: uuid.UUID,
    organisation: str,
    subject: str,
    body: str,
    roles: Iterable[Role] = (Role.VOLUNTEER,),
    tenant_id: uuid.UUID | None = None,
) -> outbox.OutboxMessage:
    """An announcement to everyone of the given roles in one organisation.

    Cheap for the caller whatever the audience: one outbox row. The worker
    fans it out (see `_fan_out_announcement`). A model owner's announcement to
    its partners' coordinators is one call per partner tenant, inside
    `context.cross_tenant` with `tenant_id` set.
    """
    announcement_id = uuid.uuid4()
    return outbox.emit(
        session,
        "announcement",
        {
            "announcement_id": str(announcement_id),
            "author_id": str(author_id),
            "roles": sorted(r.value for r in roles),
            "params": {"subject": subject, "body": body, "organisation": organisation},
        },
        delivery_key=f"announcement:{announcement_id}",
        tenant_id=tenant_id,
    )


@kind("announcement", channels=(Channel.EMAIL, Channel.IN_APP))
def _render_announcement(params: dict[str, Any]) -> tuple[str, str]:
    from flask_babel import gettext as _

    footer = _(
        "You get this message because you take part in %(org)s on Tukiverkko. You can turn "
        "announcements off in your notification settings.",
        org=params.get("organisation", ""),
    )
    return params["subject"], f"{params['body']}\n\n-- \n{footer}"


# --- handlers (run by outbox jobs) -------------------------------------------


@outbox.handler("announcement", transactional=True)
def _fan_out_announcement(session: Session, message: outbox.Message) -> None:
    """Inbox entries for everyone, and email batches of BATCH_SIZE, in one transaction."""
    roles = [Role(r) for r in message.payload["roles"]]
    user_ids = list(
        session.scalars(
            select(User.id)
            .where(User.role.in_(roles), User.status == UserStatus.ACTIVE)
            .order_by(User.id)
        )
    )
    params = message.payload["params"]
    no_inbox = _opted_out(session, "announcement", Channel.IN_APP, user_ids)
    rows = [
        {
            "id": uuid.uuid4(),
            "tenant_id": message.tenant_id,  # a bulk insert is not stamped by the session
            "user_id": u,
            "kind": "announcement",
            "params": params,
            "delivery_key": f"{message.delivery_key}:{u}:in_app",
            "created_at": utcnow(),
        }
        for u in user_ids
        if u not in no_inbox
    ]
    _insert_inbox_entries(session, rows)
    for number, start in enumerate(range(0, len(user_ids), BATCH_SIZE)):
        outbox.emit(
            session,
            "email_batch",
            {
                "kind": "announcement",
                "params": params,
                "key_prefix": message.delivery_key,
                "user_ids": [str(u) for u in user_ids[start : start + BATCH_SIZE]],
            },
            delivery_key=f"{message.delivery_key}:batch:{number}",
        )


def _insert_inbox_entries(session: Session, rows: list[dict[str, Any]]) -> None:
    """Write many inbox entries of one announcement at once.

    The rows share tenant, kind, params and time (one announcement's fan-out).

    On PostgreSQL one INSERT … SELECT FROM unnest(arrays), whatever the
    audience: psycopg's executemany sends a statement per row, a multi-row
    VALUES takes SQLAlchemy seconds to compile for thousands of rows, and
    COPY is refused on tables with row-level security. Elsewhere (SQLite,
    in-process) one executemany.
    """
    if not rows:
        return
    if session.get_bind().dialect.name != "postgresql":
        session.execute(insert(Notification), rows)
        return
    first = rows[0]
    session.execute(
        text(
            "INSERT INTO notifications"
            " (id, tenant_id, user_id, kind, params, delivery_key, created_at)"
            " SELECT i, :tenant, u, :kind, CAST(:params AS json), k, :created"
            " FROM unnest(CAST(:ids AS uuid[]), CAST(:users AS uuid[]), CAST(:keys AS text[]))"
            " AS t(i, u, k)"
        ),
        {
            "tenant": first["tenant_id"],
            "kind": first["kind"],
            "params": json.dumps(first["params"]),
            "created": first["created_at"],
            "ids": [r["id"] for r in rows],
            "users": [r["user_id"] for r in rows],
            "keys": [r["delivery_key"] for r in rows],
        },
    )


@outbox.handler("notify")
def _deliver_one(message: outbox.Message) -> None:
    """One person: an inbox entry if the kind has one, and an email."""
    payload = message.payload
    k = KINDS[payload["kind"]]
    user_id = uuid.UUID(payload["user_id"])
    if Channel.IN_APP in k.channels:
        _add_to_inbox(user_id, k.name, payload["params"], f"{message.delivery_key}:in_app")
    if Channel.EMAIL in k.channels:
        send_email_batch(k.name, payload["params"], [user_id], message.delivery_key, single=True)


@outbox.handler("notify_address")
def _deliver_to_address(message: outbox.Message) -> None:
    """One email to an address without an account, once per delivery key."""
    load_kinds()
    payload = message.payload
    key = message.delivery_key
    database = get_database()
    with database.unit_of_work() as s:
        if outbox.delivered_keys(s, [key]):
            return
    subject, body = render(payload["kind"], payload["params"], payload["language"])

    def record(email: mail.Email, message_id: str, channel: str) -> None:
        with database.unit_of_work() as s:
            s.add(outbox.Delivery(delivery_key=key, channel=channel, message_id=message_id))

    mail.send_many(
        [
            mail.Email(
                to=payload["to"],
                subject=subject,
                body=body,
                delivery_key=key,
                language=payload["language"],
            )
        ],
        on_sent=record,
    )


@outbox.handler("email_batch")
def _deliver_batch(message: outbox.Message) -> None:
    payload = message.payload
    send_email_batch(
        payload["kind"],
        payload["params"],
        [uuid.UUID(u) for u in payload["user_ids"]],
        payload["key_prefix"],
    )


def _add_to_inbox(user_id: uuid.UUID, kind_name: str, params: dict[str, Any], key: str) -> None:
    try:
        with get_database().unit_of_work() as s:
            if user_id in _opted_out(s, kind_name, Channel.IN_APP, [user_id]):
                return
            if s.scalars(select(Notification.id).where(Notification.delivery_key == key)).first():
                return
            s.add(Notification(user_id=user_id, kind=kind_name, params=params, delivery_key=key))
    except IntegrityError:
        pass  # a concurrent run added it: once is what we want


def send_email_batch(
    kind_name: str,
    params: dict[str, Any],
    user_ids: list[uuid.UUID],
    key_prefix: str,
    *,
    single: bool = False,
) -> int:
    """Email one kind to several people over one SMTP connection. Returns how many were sent.

    Skips people already emailed under this key (a retried or re-run job),
    disabled accounts and those who turned the kind off. Each email's
    Delivery row commits right after the server accepted it.
    """
    load_kinds()
    database = get_database()

    def key_of(user_id: uuid.UUID) -> str:
        return key_prefix if single else f"{key_prefix}:{user_id}:email"

    with database.unit_of_work() as s:
        users = {
            u.id: (u.email, u.language)
            for u in s.scalars(
                select(User).where(User.id.in_(user_ids), User.status != UserStatus.DISABLED)
            )
        }
        skip = _opted_out(s, kind_name, Channel.EMAIL, list(users))
        done = outbox.delivered_keys(s, [key_of(u) for u in users])
    rendered: dict[str, tuple[str, str]] = {}
    emails: list[mail.Email] = []
    for user_id, (address, language) in users.items():
        key = key_of(user_id)
        if user_id in skip or key in done:
            continue
        if language not in rendered:  # render once per language, not per person
            rendered[language] = render(kind_name, params, language)
        subject, body = rendered[language]
        emails.append(
            mail.Email(to=address, subject=subject, body=body, delivery_key=key, language=language)
        )
    if not emails:
        return 0

    with delivery_recorder(database) as record_delivery:

        def record(email: mail.Email, message_id: str, channel: str) -> None:
            record_delivery(email.delivery_key, channel, message_id)

        return mail.send_many(emails, on_sent=record)


@contextmanager
def delivery_recorder(database: Any) -> Iterator[Callable[[str, str, str], None]]:
    """`record(key, channel, message_id)`: make a Delivery row durable, promptly and cheaply.

    The row is what stops a resend, so it must commit as soon as possible after
    the channel accepted the message; but a transaction per row costs several
    round trips to PostgreSQL, and on a busy machine each round trip to
    another process costs milliseconds, which capped a batch at a few dozen
    emails a second. So rows are written in small groups: as soon as
    `DELIVERY_GROUP` are pending or the oldest has waited
    `DELIVERY_FLUSH_SECONDS`, and always when the batch ends or fails. One
    connection serves the batch in autocommit mode, the job's tenant set once
    for the session (row-level security still checks every row) and reset
    before the connection goes back to the pool. A worker killed between an
    accepted email and its row's commit resends at most the group pending at
    that moment, with the same Message-ID (docs/notifications.md).
    """
    tenant_id = context.current().tenant_id
    if tenant_id is None:
        raise RuntimeError("deliveries are recorded in the job's tenant")
    table = outbox.Delivery.__table__
    pending: list[dict[str, Any]] = []
    oldest = 0.0
    with database.engine.connect() as connection:
        connection = connection.execution_options(isolation_level="AUTOCOMMIT")
        postgres = connection.dialect.name == "postgresql"
        if postgres:
            connection.execute(
                text(
                    "SELECT set_config('app.tenant_id', :tenant, false),"
                    " set_config('app.cross_tenant', 'off', false)"
                ),
                {"tenant": str(tenant_id)},
            )

        def flush() -> None:
            if pending:
                connection.execute(insert(table), list(pending))
                pending.clear()

        def record(key: str, channel: str, message_id: str) -> None:
            nonlocal oldest
            if not pending:
                oldest = time.monotonic()
            pending.append(
                {
                    "id": uuid.uuid4(),
                    "tenant_id": tenant_id,
                    "delivery_key": key,
                    "channel": channel,
                    "message_id": message_id,
                    "sent_at": utcnow(),
                }
            )
            if (
                len(pending) >= DELIVERY_GROUP
                or time.monotonic() - oldest >= DELIVERY_FLUSH_SECONDS
            ):
                flush()

        try:
            yield record
        finally:
            try:
                flush()  # also when the batch failed: what was sent stays sent
            finally:
                if postgres:
                    connection.execute(text("RESET app.tenant_id"))
                    connection.execute(text("RESET app.cross_tenant"))
