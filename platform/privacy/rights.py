"""The data subject's rights within a tenant: the request log, export, rectification, erasure.

Every function takes the session and explicit arguments (no Flask globals)
and runs inside the caller's unit of work, with the tenant bound.
"""

from __future__ import annotations

import calendar
import contextlib
import json
import re
import uuid
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from jinja2 import Environment, select_autoescape
from sqlalchemy import Connection, Table, delete, select, update
from sqlalchemy.orm import Session

from tukiverkko.platform import audit
from tukiverkko.platform.db import after_commit, make_engine, utcnow
from tukiverkko.platform.errors import Conflict, ValidationFailed
from tukiverkko.platform.privacy import subjects
from tukiverkko.platform.privacy.models import (
    ErasedSubject,
    ErasureReason,
    PrivacyRequest,
    RequestKind,
    RequestStatus,
    SubjectType,
)
from tukiverkko.platform.privacy.subjects import Footprint, Subject

# --- the request log ------------------------------------------------------------


def one_month_after(day: date) -> date:
    """The legal deadline: the same day next month, or that month's last day (GDPR art. 12(3))."""
    year, month = (day.year + 1, 1) if day.month == 12 else (day.year, day.month + 1)
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def _require_subject(session: Session, tenant_id: uuid.UUID, subject: Subject) -> None:
    root = subjects.tables()[subjects.ROOT_TABLE[subject.type]]
    found = session.execute(
        select(root.c.id).where(root.c.id == subject.id, root.c.tenant_id == tenant_id)
    ).first()
    if found is None:
        raise ValidationFailed(
            "No such person in this organisation.",
            code="unknown_subject",
            errors={"json": {"subject_id": ["Not a person of this organisation."]}},
        )


def record_request(
    session: Session,
    *,
    tenant_id: uuid.UUID,
    kind: RequestKind,
    subject: Subject,
    received_on: date,
    recorded_by: uuid.UUID,
    note: str = "",
) -> PrivacyRequest:
    """Log a request as received (by mail, phone or in person); its deadline follows."""
    _require_subject(session, tenant_id, subject)
    if received_on > utcnow().date():
        raise ValidationFailed(
            "A request cannot be received in the future.",
            code="received_in_future",
            errors={"json": {"received_on": ["Today or earlier."]}},
        )
    req = PrivacyRequest(
        kind=kind,
        subject_type=subject.type,
        subject_id=subject.id,
        received_on=received_on,
        due_on=one_month_after(received_on),
        status=RequestStatus.OPEN,
        recorded_by=recorded_by,
        note=note.strip(),
    )
    session.add(req)
    session.flush()
    audit.record(
        session,
        "privacy_request_received",
        actor_id=recorded_by,
        target_type="privacy_request",
        target_id=req.id,
        kind=kind.value,
        subject_type=subject.type.value,
    )
    return req


def _require_open(req: PrivacyRequest, kind: RequestKind | None = None) -> None:
    if req.status != RequestStatus.OPEN:
        raise Conflict("This request has been handled already.", code="request_closed")
    if kind is not None and req.kind != kind:
        raise Conflict(f"This is not a request of kind {kind.value}.", code="wrong_request_kind")


def _close(
    session: Session, req: PrivacyRequest, status: RequestStatus, handled_by: uuid.UUID, note: str
) -> PrivacyRequest:
    req.status = status
    req.handled_by = handled_by
    req.completed_at = utcnow()
    if note.strip():
        req.note = note.strip()
    audit.record(
        session,
        "privacy_request_" + status.value,
        actor_id=handled_by,
        target_type="privacy_request",
        target_id=req.id,
        kind=req.kind.value,
        overdue=req.completed_at.date() > req.due_on,
    )
    return req


def refuse_request(
    session: Session, req: PrivacyRequest, *, handled_by: uuid.UUID, note: str
) -> PrivacyRequest:
    """Refuse a request (e.g. the law requires keeping the data); the reason is required."""
    _require_open(req)
    if not note.strip():
        raise ValidationFailed(
            "Say why the request is refused.",
            code="reason_required",
            errors={"json": {"note": ["Required."]}},
        )
    return _close(session, req, RequestStatus.REFUSED, handled_by, note)


def subject_of(req: PrivacyRequest) -> Subject:
    return Subject(req.subject_type, req.subject_id)


# --- export (access and portability) --------------------------------------------


def subject_data(session: Session, tenant_id: uuid.UUID, subject: Subject) -> dict[str, Any]:
    """Everything the organisation holds about `subject`, machine-readable.

    The rows of every table that refer to them (core and modules), the
    consents they gave, and their requests; ids and times as strings.
    """
    fp = subjects.footprint(session, tenant_id, subject)
    requests = session.scalars(
        select(PrivacyRequest).where(PrivacyRequest.subject_id == subject.id)
    ).all()
    return {
        "format": "tukiverkko.subject-export/1",
        "generated_at": utcnow().isoformat(),
        "subject": {"type": subject.type.value, "id": str(subject.id)},
        "data": subjects.rows_of(session, fp),
        "requests": [
            {
                "kind": r.kind.value,
                "received_on": r.received_on.isoformat(),
                "due_on": r.due_on.isoformat(),
                "status": r.status.value,
            }
            for r in requests
        ],
    }


_HTML = Environment(autoescape=select_autoescape(default=True)).from_string(
    """<!doctype html>
<html lang="{{ lang }}"><head><meta charset="utf-8">
<title>{{ t.title }}</title>
<style>body{font-family:sans-serif;max-width:60rem;margin:2rem auto}
table{border-collapse:collapse;margin-bottom:1.5rem}
th,td{border:1px solid #999;padding:.25rem .5rem;text-align:left;vertical-align:top}
</style></head>
<body>
<h1>{{ t.title }}</h1>
<p>{{ t.intro }}</p>
<p>{{ t.generated }}: {{ data.generated_at }}</p>
{% for table, rows in data.data.items() %}
<h2>{{ label(table) }}</h2>
{% for row in rows %}
<table>
{% for key, value in row.items() %}<tr><th>{{ label(key) }}</th><td>{{ show(value) }}</td></tr>
{% endfor %}</table>
{% endfor %}
{% endfor %}
<h2>{{ t.requests }}</h2>
<ul>{% for r in data.requests %}<li>{{ r.kind }}: {{ r.received_on }} &rarr; {{ r.status }}</li>
{% endfor %}</ul>
</body></html>
"""
)

_HTML_TEXT = {
    "fi": {
        "title": "Tietosi",
        "intro": "Kaikki tiedot, joita järjestö säilyttää sinusta, taulukoittain.",
        "generated": "Koottu",
        "requests": "Pyyntösi",
    },
    "sv": {
        "title": "Dina uppgifter",
        "intro": "Alla uppgifter som organisationen har om dig, tabell för tabell.",
        "generated": "Sammanställd",
        "requests": "Dina begäranden",
    },
    "en": {
        "title": "Your data",
        "intro": "Everything the organisation keeps about you, table by table.",
        "generated": "Compiled",
        "requests": "Your requests",
    },
}


def _label(key: str) -> str:
    return key.replace("_", " ").capitalize()


def _show(value: Any) -> str:
    if value is None:
        return "-"
    if isinstance(value, list | dict):
        return json.dumps(value, ensure_ascii=False)
    return str(value)


def render_html(data: dict[str, Any], lang: str = "fi") -> str:
    """The same export as a document a person can read."""
    text = _HTML_TEXT.get(lang, _HTML_TEXT["en"])
    return _HTML.render(data=data, t=text, lang=lang, label=_label, show=_show)


def fulfil_access(
    session: Session,
    storage: Any,
    req: PrivacyRequest,
    *,
    tenant_id: uuid.UUID,
    handled_by: uuid.UUID,
    lang: str = "fi",
) -> dict[str, str]:
    """Answer an access request: store the export (JSON and HTML) and complete the request.

    The files are deleted if the person is later erased. Returns the storage
    keys by format; the API hands out short-lived signed links to them.
    """
    _require_open(req, RequestKind.ACCESS)
    data = subject_data(session, tenant_id, subject_of(req))
    base = f"privacy/{tenant_id}/{req.id}/{uuid.uuid4().hex}"
    keys = {"json": f"{base}/export.json", "html": f"{base}/export.html"}
    body = json.dumps(data, ensure_ascii=False, indent=2).encode()
    # Written after the commit: a failed request leaves no file behind.
    after_commit(session, lambda: _put(storage, keys, body, render_html(data, lang)))
    req.export_key = base
    _close(session, req, RequestStatus.COMPLETED, handled_by, "")
    return keys


def _put(storage: Any, keys: dict[str, str], body: bytes, html: str) -> None:
    storage.put(keys["json"], body, "application/json")
    storage.put(keys["html"], html.encode(), "text/html; charset=utf-8")


def export_keys(base: str) -> dict[str, str]:
    return {"json": f"{base}/export.json", "html": f"{base}/export.html"}


# --- rectification ---------------------------------------------------------------


def rectify(
    session: Session,
    req: PrivacyRequest,
    changes: dict[str, Any],
    *,
    handled_by: uuid.UUID,
    note: str = "",
) -> PrivacyRequest:
    """Correct the person's data through the services that own it, and complete the request.

    An ended volunteer or participant is corrected too (the right does not
    end with the relationship); only the fields those services accept.
    """
    from tukiverkko.platform.identity.models import User
    from tukiverkko.platform.primitives import intake, volunteers
    from tukiverkko.platform.primitives.models import (
        Participant,
        ParticipantStatus,
        Volunteer,
        VolunteerStatus,
    )

    _require_open(req, RequestKind.RECTIFICATION)
    if not changes:
        raise ValidationFailed(
            "Say what to correct.",
            code="no_changes",
            errors={"json": {"changes": ["At least one field."]}},
        )
    allowed: tuple[str, ...]
    if req.subject_type == SubjectType.VOLUNTEER:
        allowed = volunteers.PROFILE_FIELDS
    elif req.subject_type == SubjectType.PARTICIPANT:
        allowed = intake.EDITABLE
    else:
        allowed = ("name", "language")
    unknown = sorted(set(changes) - set(allowed))
    if unknown:
        raise ValidationFailed(
            "These fields cannot be corrected here.",
            code="unknown_fields",
            errors={"json": {"changes": [f"Not editable: {', '.join(unknown)}."]}},
        )
    if req.subject_type == SubjectType.VOLUNTEER:
        v = session.get(Volunteer, req.subject_id)
        assert v is not None  # checked when the request was recorded; never deleted
        if v.status == VolunteerStatus.ENDED:
            for key, value in volunteers.clean_profile(changes).items():
                setattr(v, key, value)
        else:
            volunteers.update_profile(session, v, changes)
    elif req.subject_type == SubjectType.PARTICIPANT:
        p = session.get(Participant, req.subject_id)
        assert p is not None
        if p.status == ParticipantStatus.ENDED:
            cleaned = volunteers.clean_profile(changes)
            for key, value in {**changes, **cleaned}.items():
                setattr(p, key, value)
        else:
            intake.update_participant(session, p, changes)
    else:
        u = session.get(User, req.subject_id)
        assert u is not None
        if "language" in changes and changes["language"] not in ("fi", "sv", "en"):
            raise ValidationFailed(
                "Language must be fi, sv or en.",
                code="validation_failed",
                errors={"json": {"changes": ["language: fi, sv or en."]}},
            )
        for key, value in changes.items():
            setattr(u, key, value)
    audit.record(
        session,
        "privacy_rectified",
        actor_id=handled_by,
        target_type=req.subject_type.value,
        target_id=req.subject_id,
        fields=sorted(changes),  # which fields, never their values
    )
    return _close(session, req, RequestStatus.COMPLETED, handled_by, note)


# --- erasure ---------------------------------------------------------------------


@dataclass
class ErasureResult:
    """What an erasure did, in counts (never the values it removed)."""

    subjects: int = 0
    rows: dict[str, int] = field(default_factory=dict)
    deleted: dict[str, int] = field(default_factory=dict)
    redacted: dict[str, int] = field(default_factory=dict)
    files: int = 0


# Where identifiers in the append-only audit trail are redacted: a callable
# that gets (tenant id, pattern) and runs after the commit with the table
# owner's rights. None: in the caller's session (SQLite has no grants).
AuditRedactor = Callable[[uuid.UUID, re.Pattern[str]], int]


def erase(
    session: Session,
    storage: Any,
    *,
    tenant_id: uuid.UUID,
    people: Iterable[Subject],
    reason: ErasureReason,
    actor_id: uuid.UUID | None,
    audit_redactor: AuditRedactor | None = None,
) -> ErasureResult:
    """Remove or anonymise every personal field of each person, in every table.

    Rows stay, so that every figure stays as it was: statuses, dates, counts,
    minutes and codes are kept, names, contacts, notes, tags and free text
    go. Rows that count nothing (background checks, sign-in sessions, links,
    notifications) are deleted. The person's identifiers are then searched
    for in every text column of the tenant (a note about someone else that
    names them) and replaced. Stored files about them are deleted after the
    commit. Idempotent: erasing again changes nothing more.
    """
    result = ErasureResult()
    all_tables = subjects.tables()
    needles: set[str] = set()
    files: list[str] = []
    for subject in people:
        fp = subjects.footprint(session, tenant_id, subject)
        if not fp.rows:
            continue
        result.subjects += 1
        needles |= subjects.identifiers(session, fp)
        files += _files_of(session, fp, all_tables)
        files += _request_exports(session, subject)
        counts = _anonymise(session, fp, all_tables, result)
        done = session.scalar(
            select(ErasedSubject).where(
                ErasedSubject.subject_type == subject.type,
                ErasedSubject.subject_id == subject.id,
            )
        )
        if done is None:
            session.add(
                ErasedSubject(
                    subject_type=subject.type, subject_id=subject.id, reason=reason, counts=counts
                )
            )
        audit.record(
            session,
            "privacy_erased",
            actor_id=actor_id,
            target_type=subject.type.value,
            target_id=subject.id,
            reason=reason.value,
            rows=sum(counts.values()),
        )
    pattern = subjects.needle_pattern(needles)
    if pattern is not None:
        result.redacted = subjects.redact_tenant_text(session, tenant_id, pattern)
        if audit_redactor is None:
            result.redacted["audit_events"] = redact_audit(session, tenant_id, pattern)
        else:
            after_commit(session, lambda: audit_redactor(tenant_id, pattern))  # type: ignore[misc]
    result.files = len(files)
    if files:
        after_commit(session, lambda: _delete_files(storage, files))
    session.flush()
    return result


def _files_of(session: Session, fp: Footprint, all_tables: dict[str, Table]) -> list[str]:
    keys: list[str] = []
    for name, ids in fp.rows.items():
        table = all_tables[name]
        cols = [c for c in table.columns if c.name in subjects.FILE_COLUMNS]
        for col in cols:
            keys += [
                k
                for k in session.scalars(select(col).where(subjects._pk(table).in_(list(ids))))
                if k and not k.startswith("erased-")
            ]
    return keys


def _request_exports(session: Session, subject: Subject) -> list[str]:
    keys: list[str] = []
    for req in session.scalars(
        select(PrivacyRequest).where(
            PrivacyRequest.subject_id == subject.id, PrivacyRequest.export_key.is_not(None)
        )
    ):
        assert req.export_key is not None
        keys += list(export_keys(req.export_key).values())
        req.export_key = None
    return keys


def _delete_files(storage: Any, keys: list[str]) -> None:
    for key in keys:
        storage.delete(key)


def _anonymise(
    session: Session, fp: Footprint, all_tables: dict[str, Table], result: ErasureResult
) -> dict[str, int]:
    counts: dict[str, int] = {}
    # Children before parents, so that deletions never break a foreign key.
    rank = {t.name: i for i, t in enumerate(subjects.Base.metadata.sorted_tables)}
    order = sorted((all_tables[name] for name in fp.rows), key=lambda t: -rank[t.name])
    for table in order:
        ids = list(fp.rows[table.name])
        pk = subjects._pk(table)
        if table.name in subjects.DELETED_ON_ERASURE:
            n = session.execute(delete(table).where(pk.in_(ids))).rowcount
            result.deleted[table.name] = result.deleted.get(table.name, 0) + int(n)
            counts[table.name] = int(n)
            continue
        if table.name == "feedback_answers":
            _erase_feedback(session, table, ids)
        cols = subjects.personal_columns(table)
        if not cols:
            continue
        changed = 0
        for row in session.execute(select(pk, *cols).where(pk.in_(ids))):
            values = {
                col.name: subjects.empty_value(col, row[0], current)
                for col, current in zip(cols, row[1:], strict=True)
            }
            if any(v != cur for v, cur in zip(values.values(), row[1:], strict=True)):
                session.execute(update(table).where(pk == row[0]).values(**values))
                changed += 1
        if table.name == "users":
            from tukiverkko.platform.identity.models import UserStatus

            # The account can no longer be used: no name, no email, no password.
            session.execute(
                update(table).where(pk.in_(ids)).values(status=UserStatus.DISABLED.value)
            )
        result.rows[table.name] = result.rows.get(table.name, 0) + changed
        counts[table.name] = changed
    return counts


def _erase_feedback(session: Session, table: Table, ids: list[Any]) -> None:
    """A person's feedback answers become anonymous: no person columns, no free text.

    Scale, choice and yes/no answers stay, so the form's results stay as they were.
    """
    forms = subjects.tables()["feedback_forms"]
    rows = session.execute(
        select(table.c.id, table.c.answers, forms.c.questions)
        .join(forms, forms.c.id == table.c.form_id)
        .where(table.c.id.in_(ids))
    ).all()
    for answer_id, answers, questions in rows:
        text_keys = {q.get("key") for q in questions or [] if q.get("kind") == "text"}
        kept = {k: v for k, v in (answers or {}).items() if k not in text_keys}
        session.execute(
            update(table)
            .where(table.c.id == answer_id)
            .values(answers=kept, respondent_user_id=None, volunteer_id=None)
        )


def redact_audit(session_or_conn: Any, tenant_id: uuid.UUID, pattern: re.Pattern[str]) -> int:
    """Replace the identifiers in the tenant's audit trail (details and target)."""
    table = subjects.tables()["audit_events"]
    rows = session_or_conn.execute(
        select(table.c.id, table.c.details).where(table.c.tenant_id == tenant_id)
    ).all()
    changed = 0
    for event_id, details in rows:
        new = subjects.redact_value(details, pattern)
        if new != details:
            session_or_conn.execute(update(table).where(table.c.id == event_id).values(details=new))
            changed += 1
    return changed


@contextlib.contextmanager
def owner_connection(owner_url: str) -> Iterator[Connection]:
    """One transaction as the table owner (audit redaction, purges); closed afterwards."""
    engine = make_engine(owner_url)
    try:
        with engine.begin() as conn:
            yield conn
    finally:
        engine.dispose()


def owner_audit_redactor(owner_url: str) -> AuditRedactor:
    """Audit redaction through the table owner's connection (the app role may not UPDATE).

    The one place where the application changes the audit trail: it removes
    identifiers of an erased person, never events.
    """

    def run(tenant_id: uuid.UUID, pattern: re.Pattern[str]) -> int:
        with owner_connection(owner_url) as conn:
            return redact_audit(conn, tenant_id, pattern)

    return run


def is_erased(session: Session, subject: Subject) -> bool:
    return (
        session.scalar(
            select(ErasedSubject.id).where(
                ErasedSubject.subject_type == subject.type,
                ErasedSubject.subject_id == subject.id,
            )
        )
        is not None
    )


def _require_ended(session: Session, subject: Subject) -> None:
    from tukiverkko.platform.primitives.models import (
        Participant,
        ParticipantStatus,
        Volunteer,
        VolunteerStatus,
    )

    if subject.type == SubjectType.VOLUNTEER:
        volunteer = session.get(Volunteer, subject.id)
        if volunteer is not None and volunteer.status != VolunteerStatus.ENDED:
            raise Conflict(
                "End the volunteering first; then erase the volunteer's data.",
                code="subject_active",
            )
    elif subject.type == SubjectType.USER:
        active = session.scalar(
            select(Volunteer.id).where(
                Volunteer.user_id == subject.id, Volunteer.status != VolunteerStatus.ENDED
            )
        )
        if active is not None:
            raise Conflict(
                "The account's volunteering has not ended: end it first.",
                code="subject_active",
            )
    elif subject.type == SubjectType.PARTICIPANT:
        participant = session.get(Participant, subject.id)
        if participant is not None and participant.status != ParticipantStatus.ENDED:
            raise Conflict(
                "End the participant's case first; then erase their data.",
                code="subject_active",
            )


def fulfil_erasure(
    session: Session,
    storage: Any,
    req: PrivacyRequest,
    *,
    tenant_id: uuid.UUID,
    handled_by: uuid.UUID,
    audit_redactor: AuditRedactor | None = None,
    note: str = "",
) -> ErasureResult:
    """Answer an erasure request: erase the person and complete the request.

    A volunteering or a participant's case must have ended first (which also
    closes their matches): an anonymous record must not stay active, with a
    match that no one can follow up.
    """
    _require_open(req, RequestKind.ERASURE)
    _require_ended(session, subject_of(req))
    result = erase(
        session,
        storage,
        tenant_id=tenant_id,
        people=[subject_of(req)],
        reason=ErasureReason.REQUEST,
        actor_id=handled_by,
        audit_redactor=audit_redactor,
    )
    _close(session, req, RequestStatus.COMPLETED, handled_by, note)
    return result
