"""Partners publish their own events on the national directory (`tenants/directory.py`).

Publishing is new directory work: the programme must be open and its
licence in force (`licence_required` otherwise). The directory shows only
the event's title, description, kind, time and place, and only while the
partner's licence is in force: never who signed up.
"""

from __future__ import annotations

import uuid

from sqlalchemy.orm import Session

from tukiverkko.platform import audit
from tukiverkko.platform.db import utcnow
from tukiverkko.platform.errors import Conflict
from tukiverkko.platform.primitives import programmes
from tukiverkko.platform.primitives.models import Programme
from tukiverkko.platform.primitives.models_followup import Event


def publish(db: Session, event: Event, programme: Programme, *, actor_id: uuid.UUID) -> Event:
    """Show an upcoming event on the national directory."""
    programmes.require_new_work(db, programme, "directory")
    if event.cancelled_at is not None:
        raise Conflict("The event was cancelled.", code="event_cancelled")
    if event.starts_at <= utcnow():
        raise Conflict("The event has already started.", code="event_started")
    if event.published_at is None:
        event.published_at = utcnow()
        audit.record(
            db, "event_published", actor_id=actor_id, target_type="event", target_id=event.id
        )
    return event


def unpublish(db: Session, event: Event, *, actor_id: uuid.UUID) -> Event:
    """Take the event off the national directory (allowed whatever the licence says)."""
    if event.published_at is not None:
        event.published_at = None
        audit.record(
            db, "event_unpublished", actor_id=actor_id, target_type="event", target_id=event.id
        )
    return event
