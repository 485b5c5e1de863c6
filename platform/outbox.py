"""The transactional outbox: a domain change and the message about it commit together.

`emit(session, kind, payload, delivery_key=...)` adds an `outbox_messages` row
in the caller's unit of work. Nothing is sent before the commit, and nothing
committed is lost:

- after the commit, the messages of that transaction are handed on at once:
  run in-process (the embedded default) or queued on RQ (`job_backend="rq"`);
- if Redis is down, the rows simply stay `pending` and the request still
  succeeds; `dispatch_due()` (run every few seconds by the worker's scheduled
  sweep, or `tukiverkko outbox dispatch`) queues them once Redis is back;
- a job gets only the message id (personal data and link tokens never go to
  Redis); it claims the row with a lease, runs the kind's handler and marks
  the row done. A second job for the same row finds it claimed or done and
  does nothing, so dispatching twice is harmless;
- a worker killed mid-job leaves a claim whose lease runs out; the sweep then
  queues the message again.

Rows are tenant-owned (row-level security on PostgreSQL): payloads hold
people's addresses and raw link tokens, so one tenant's code must never read
another's. The dispatcher is the one place that reads across tenants
(`context.cross_tenant`), and each job runs in its row's tenant. Payloads are
emptied once a message is done, so a raw link token does not outlive its email.
"""

from __future__ import annotations

import enum
import logging
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from flask import current_app, has_app_context
from sqlalchemy import JSON, Index, String, Text, or_, select, update
from sqlalchemy.orm import Mapped, Session, mapped_column

from tukiverkko.platform import context
from tukiverkko.platform.db import (
    Base,
    HasId,
    HasTimestamps,
    TenantOwned,
    after_commit,
    get_database,
    str_enum,
    utcnow,
)

log = logging.getLogger(__name__)

PROCESS_JOB = "tukiverkko.platform.outbox:process_message"
_SESSION_PENDING = "tukiverkko.outbox.pending"


class OutboxStatus(enum.StrEnum):
    PENDING = "pending"  # committed, not yet handed to a job queue
    DISPATCHED = "dispatched"  # queued on RQ (or being run)
    DONE = "done"
    FAILED = "failed"  # gave up after MAX_ATTEMPTS; `tukiverkko jobs retry` revives it


class OutboxMessage(HasId, HasTimestamps, TenantOwned, Base):
    """One message to send because of a committed change."""

    __tablename__ = "outbox_messages"
    __table_args__ = (Index("ix_outbox_messages_status_available_at", "status", "available_at"),)

    kind: Mapped[str] = mapped_column(String(64))
    payload: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    # Stable name of what this message delivers: emitting the same key twice
    # fails, and channels record it so a message is never delivered twice.
    delivery_key: Mapped[str] = mapped_column(String(200), unique=True)
    status: Mapped[OutboxStatus] = mapped_column(
        str_enum(OutboxStatus, "outbox_status"), default=OutboxStatus.PENDING
    )
    request_id: Mapped[str] = mapped_column(String(64), default="")
    attempts: Mapped[int] = mapped_column(default=0)
    # When the dispatcher may (re)queue it: now for new rows; later for rows
    # queued or claimed, so only a lost or killed job's row is queued again.
    available_at: Mapped[datetime] = mapped_column(default=utcnow)
    claimed_until: Mapped[datetime | None]
    dispatched_at: Mapped[datetime | None]
    processed_at: Mapped[datetime | None]
    last_error: Mapped[str] = mapped_column(Text, default="")


class Delivery(HasId, TenantOwned, Base):
    """Proof that one message went out on one channel: never send it again.

    Written right after the channel accepted the message (for email, after
    the SMTP server's final 250). See docs/notifications.md for the short
    window between the two.
    """

    __tablename__ = "deliveries"

    delivery_key: Mapped[str] = mapped_column(String(300), unique=True)
    channel: Mapped[str] = mapped_column(String(16))
    sent_at: Mapped[datetime] = mapped_column(default=utcnow)
    message_id: Mapped[str] = mapped_column(String(255), default="")


@dataclass(frozen=True)
class Message:
    """A claimed outbox message, detached from any session."""

    id: uuid.UUID
    tenant_id: uuid.UUID
    kind: str
    payload: dict[str, Any]
    delivery_key: str
    attempts: int


@dataclass(frozen=True)
class Handler:
    """How one kind of message is carried out.

    A transactional handler gets the session in which the message is marked
    done: its database effects (in-app notifications, further messages) happen
    exactly once. Other handlers (email) talk to the outside world and record
    each delivery themselves.
    """

    kind: str
    func: Callable[..., None]
    transactional: bool


HANDLERS: dict[str, Handler] = {}


def handler(kind: str, *, transactional: bool = False) -> Callable[[Callable[..., None]], Any]:
    """Register the handler of a message kind: `@handler("email.invitation")`."""

    def register(func: Callable[..., None]) -> Callable[..., None]:
        HANDLERS[kind] = Handler(kind, func, transactional)
        return func

    return register


def load_handlers() -> None:
    """Import the modules that register handlers (jobs may start in a fresh process)."""
    import tukiverkko.platform.notifications  # noqa: F401


def emit(
    session: Session,
    kind: str,
    payload: dict[str, Any],
    *,
    delivery_key: str,
    tenant_id: uuid.UUID | None = None,
) -> OutboxMessage:
    """Add a message to the caller's transaction; it is handed on after the commit.

    `tenant_id` defaults to the current tenant; cross-tenant code (an operator
    inviting a tenant's first admin) names the tenant the message belongs to.
    """
    message = OutboxMessage(
        kind=kind,
        payload=payload,
        delivery_key=delivery_key,
        status=OutboxStatus.PENDING,
        request_id=context.current().request_id or "",
        available_at=utcnow(),
    )
    if tenant_id is not None:
        message.tenant_id = tenant_id
    session.add(message)
    session.flush()  # stamps the tenant and surfaces a duplicate delivery key here
    pending: list[tuple[uuid.UUID, uuid.UUID]] | None = session.info.get(_SESSION_PENDING)
    if pending is None:
        pending = session.info[_SESSION_PENDING] = []
        if has_app_context():
            app = current_app._get_current_object()  # type: ignore[attr-defined]
            batch = pending
            after_commit(session, lambda: _hand_on(app, batch))
    pending.append((message.id, message.tenant_id))
    return message


def _settings() -> Any:
    return current_app.config["TUKIVERKKO_SETTINGS"]


def _hand_on(app: Any, items: list[tuple[uuid.UUID, uuid.UUID]]) -> None:
    """After a commit: run the new messages in-process, or queue them on RQ.

    Never raises: the caller's transaction is committed, and whatever could
    not be handed on now stays pending for the dispatcher.
    """
    with app.app_context():
        try:
            if _settings().job_backend == "rq":
                _queue(items)
            else:
                for message_id, tenant_id in items:
                    _run_in_process(message_id, tenant_id)
        except Exception:
            log.warning("outbox: messages left for the dispatcher", exc_info=True)


def _run_in_process(message_id: uuid.UUID, tenant_id: uuid.UUID) -> None:
    from tukiverkko.platform.jobs import make_envelope
    from tukiverkko.workers.runner import run_job

    envelope = make_envelope(
        PROCESS_JOB,
        {"message_id": str(message_id)},
        tenant_id=tenant_id,
        request_id=context.current().request_id,
    )
    try:
        run_job(envelope)
    except Exception:
        # Recorded on the row (attempts, last_error, next try); the request
        # that emitted it has committed and must not fail because of it.
        log.exception("outbox: in-process delivery failed", extra={"message": str(message_id)})


def _queue(items: list[tuple[uuid.UUID, uuid.UUID]]) -> None:
    """Queue messages on RQ, then mark the still-pending ones dispatched."""
    from tukiverkko.platform.jobs import enqueue_envelopes, make_envelope

    if not items:
        return
    request_id = context.current().request_id
    enqueue_envelopes(
        [
            make_envelope(
                PROCESS_JOB,
                {"message_id": str(mid)},
                tenant_id=tid,
                request_id=request_id,
            )
            for mid, tid in items
        ]
    )
    # Queued first, marked second: a crash in between queues them once more
    # later, which the claim makes harmless. The other order could lose them.
    now = utcnow()
    with context.cross_tenant("outbox: mark dispatched"), get_database().unit_of_work() as s:
        s.execute(
            update(OutboxMessage)
            .where(
                OutboxMessage.id.in_([mid for mid, _ in items]),
                OutboxMessage.status == OutboxStatus.PENDING,
            )
            .values(
                status=OutboxStatus.DISPATCHED,
                dispatched_at=now,
                available_at=now + timedelta(seconds=_settings().outbox_redispatch_seconds),
            )
            .execution_options(synchronize_session=False)
        )


def dispatch_due(limit: int = 1000) -> int:
    """Hand on every message that is due: new, or queued long ago and never finished.

    The one place that reads the outbox across tenants. Safe to run in several
    processes at once (rows are locked with SKIP LOCKED on PostgreSQL, and a
    message queued twice is carried out once). Returns how many were handed on.
    """
    now = utcnow()
    rq = _settings().job_backend == "rq"
    with context.cross_tenant("outbox dispatcher"), get_database().unit_of_work() as s:
        stmt = (
            select(OutboxMessage.id, OutboxMessage.tenant_id)
            .where(
                OutboxMessage.status.in_([OutboxStatus.PENDING, OutboxStatus.DISPATCHED]),
                OutboxMessage.available_at <= now,
                or_(OutboxMessage.claimed_until.is_(None), OutboxMessage.claimed_until < now),
            )
            .order_by(OutboxMessage.available_at)
            .limit(limit)
        )
        if s.get_bind().dialect.name == "postgresql":
            stmt = stmt.with_for_update(skip_locked=True)
        items = [(row.id, row.tenant_id) for row in s.execute(stmt)]
        if rq and items:
            from tukiverkko.platform.jobs import enqueue_envelopes, make_envelope

            # Inside the transaction: if Redis is down this raises, nothing is
            # marked, and the rows stay due for the next sweep.
            enqueue_envelopes(
                [
                    make_envelope(
                        PROCESS_JOB, {"message_id": str(mid)}, tenant_id=tid, request_id=None
                    )
                    for mid, tid in items
                ]
            )
            s.execute(
                update(OutboxMessage)
                .where(OutboxMessage.id.in_([mid for mid, _ in items]))
                .values(
                    status=OutboxStatus.DISPATCHED,
                    dispatched_at=now,
                    available_at=now + timedelta(seconds=_settings().outbox_redispatch_seconds),
                )
                .execution_options(synchronize_session=False)
            )
    if not rq:
        for mid, tid in items:
            _run_in_process(mid, tid)
    if items:
        log.info("outbox: dispatched", extra={"count": len(items)})
    return len(items)


def _claim(session: Session, message_id: uuid.UUID) -> Message | None:
    """Take the message for this job, or None if it is done or another job holds it."""
    now = utcnow()
    lease = timedelta(seconds=_settings().outbox_lease_seconds)
    claimed = session.execute(
        update(OutboxMessage)
        .where(
            OutboxMessage.id == message_id,
            OutboxMessage.status != OutboxStatus.DONE,
            or_(OutboxMessage.claimed_until.is_(None), OutboxMessage.claimed_until < now),
        )
        .values(
            claimed_until=now + lease,
            # If this job dies, the dispatcher queues the message again once
            # the lease has run out.
            available_at=now + lease,
            status=OutboxStatus.DISPATCHED,
            attempts=OutboxMessage.attempts + 1,
        )
        .execution_options(synchronize_session=False)
    ).rowcount
    if not claimed:
        return None
    row = session.get(OutboxMessage, message_id, populate_existing=True)
    assert row is not None
    return Message(
        row.id, row.tenant_id, row.kind, dict(row.payload), row.delivery_key, row.attempts
    )


def _mark_done(session: Session, message_id: uuid.UUID) -> None:
    session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.id == message_id)
        .values(
            status=OutboxStatus.DONE,
            processed_at=utcnow(),
            claimed_until=None,
            last_error="",
            payload={},  # the link token and address are not needed any more
        )
        .execution_options(synchronize_session=False)
    )


def _record_failure(session: Session, message: Message, exc: BaseException) -> None:
    from tukiverkko.platform.jobs import MAX_ATTEMPTS, RETRY_INTERVALS

    now = utcnow()
    failed = message.attempts >= MAX_ATTEMPTS
    wait = RETRY_INTERVALS[min(message.attempts, len(RETRY_INTERVALS)) - 1]
    session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.id == message.id)
        .values(
            status=OutboxStatus.FAILED if failed else OutboxStatus.DISPATCHED,
            claimed_until=None,
            last_error=f"{type(exc).__name__}: {exc}"[:2000],
            # RQ retries the job after `wait`; the dispatcher steps in only if
            # that retry is lost (the grace is the redispatch period).
            available_at=now + timedelta(seconds=wait + _settings().outbox_redispatch_seconds),
        )
        .execution_options(synchronize_session=False)
    )


def process_message(message_id: str) -> str:
    """Job: carry out one outbox message, at most once per claim. Runs in its tenant.

    Returns what happened: "done", "skipped" (done already, or another job
    holds it). Raises the handler's error so that RQ retries with backoff.
    """
    load_handlers()
    database = get_database()
    mid = uuid.UUID(message_id)
    with database.unit_of_work() as s:
        message = _claim(s, mid)
    if message is None:
        log.info("outbox: message done or held by another job", extra={"message": message_id})
        return "skipped"
    found = HANDLERS.get(message.kind)
    try:
        if found is None:
            raise LookupError(f"no handler for outbox kind {message.kind!r}")
        if found.transactional:
            with database.unit_of_work() as s:
                found.func(s, message)
                _mark_done(s, mid)
        else:
            found.func(message)
            with database.unit_of_work() as s:
                _mark_done(s, mid)
    except Exception as exc:
        with database.unit_of_work() as s:
            _record_failure(s, message, exc)
        raise
    return "done"


def delivered_keys(session: Session, keys: list[str]) -> set[str]:
    """Which of these delivery keys have been delivered already."""
    found: set[str] = set()
    for start in range(0, len(keys), 500):
        chunk = keys[start : start + 500]
        found.update(
            session.scalars(select(Delivery.delivery_key).where(Delivery.delivery_key.in_(chunk)))
        )
    return found


def failed_messages(session: Session) -> list[OutboxMessage]:
    """Messages given up on (call inside `context.cross_tenant`)."""
    return list(
        session.scalars(
            select(OutboxMessage)
            .where(OutboxMessage.status == OutboxStatus.FAILED)
            .order_by(OutboxMessage.created_at)
        )
    )


def revive(session: Session, message_ids: list[uuid.UUID] | None = None) -> int:
    """Make failed messages due again (all of them, or the given ones)."""
    stmt = update(OutboxMessage).where(OutboxMessage.status == OutboxStatus.FAILED)
    if message_ids is not None:
        stmt = stmt.where(OutboxMessage.id.in_(message_ids))
    return int(
        session.execute(
            stmt.values(
                status=OutboxStatus.PENDING, attempts=0, available_at=utcnow()
            ).execution_options(synchronize_session=False)
        ).rowcount
    )
