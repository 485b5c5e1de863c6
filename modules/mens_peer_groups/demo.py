"""Demo data of Toiminnan Miehet: peer men, a Sakki with members, the phone line's shifts."""

from __future__ import annotations

import uuid
from datetime import time, timedelta

from sqlalchemy.orm import Session

from tukiverkko.modules.demo import approved_volunteer
from tukiverkko.modules.mens_peer_groups import service
from tukiverkko.modules.mens_peer_groups.models import MeetingScope, SupportChannel, Topic
from tukiverkko.platform.db import utcnow
from tukiverkko.platform.primitives.models import Programme
from tukiverkko.tenants.licensing import today


def load(db: Session, programme: Programme, actor_id: uuid.UUID) -> None:
    """Two peer men who acknowledged their rights and duties, a group, shifts, counted calls."""

    def acknowledge(volunteer: object) -> None:
        service.acknowledge(db, volunteer, version=service.RIGHTS_VERSION)  # type: ignore[arg-type]

    jari = approved_volunteer(
        db, programme, actor_id, name="Jari Vertaismies", email="jari@example.org",
        before_approval=acknowledge,
    )  # fmt: skip
    tomi = approved_volunteer(
        db, programme, actor_id, name="Tomi Luurimies", email="tomi@example.org",
        before_approval=acknowledge,
    )  # fmt: skip
    group = service.create_group(
        db, programme, name="Isäsakki", theme="Isyys eron jälkeen", leader=jari
    )
    members = [service.add_member(db, group, display_name=n) for n in ("Pekka", "Karhu", "Ari")]
    service.record_meeting(
        db, group, held_on=today() - timedelta(days=7), present=[m.id for m in members[:2]],
        actor_id=actor_id,
    )  # fmt: skip
    shifts = service.create_weekly_shifts(
        db, programme, weekdays=[1, 3], starts=time(18), ends=time(21),
        first_day=today() + timedelta(days=1), weeks=4, places=2, created_by=actor_id,
    )  # fmt: skip
    for shift in shifts[:2]:
        service.sign_up_for_shift(db, shift, tomi)
    for topic, minutes, referred in (
        (Topic.DIVORCE, 25, True), (Topic.LONELINESS, 15, False), (Topic.PARENTHOOD, 30, False),
    ):  # fmt: skip
        service.log_call(
            db, duration_minutes=minutes, topic=topic, referred_onward=referred,
            shift_date=today() - timedelta(days=2),
        )  # fmt: skip
    service.log_support_contact(
        db, programme, contact_on=today() - timedelta(days=3), channel=SupportChannel.CHAT,
        referred_onward=True,
    )  # fmt: skip
    service.create_community_meeting(
        db, programme, scope=MeetingScope.REGIONAL, title="Pohjois-Suomen aluetapaaminen",
        description="", starts_at=utcnow() + timedelta(days=30), location="Oulu", capacity=40,
        created_by=actor_id,
    )  # fmt: skip
