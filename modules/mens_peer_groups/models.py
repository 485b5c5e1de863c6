"""Table of Toiminnan Miehet: the anonymous call log of the MIESluuri phone line."""

from __future__ import annotations

import enum
from datetime import date

from sqlalchemy import Index, Integer
from sqlalchemy.orm import Mapped, mapped_column

from tukiverkko.platform.db import Base, HasId, TenantOwned, str_enum


class Topic(enum.StrEnum):
    RELATIONSHIP = "relationship"
    DIVORCE = "divorce"
    PARENTHOOD = "parenthood"
    LONELINESS = "loneliness"
    MENTAL_HEALTH = "mental_health"
    SUBSTANCES = "substances"
    VIOLENCE = "violence"
    WORK_MONEY = "work_money"
    OTHER = "other"


class Call(HasId, TenantOwned, Base):
    """One call: nothing that could identify the caller.

    Deliberately no timestamps (`HasTimestamps`), no volunteer and no free
    text: a creation time to the second, or who answered, could be matched
    against phone records or the shift list and point to a caller. The
    shift's date is the finest time kept.
    """

    __tablename__ = "mens_peer_groups_calls"
    __table_args__ = (Index("ix_mens_peer_groups_calls_tenant_shift", "tenant_id", "shift_date"),)

    duration_minutes: Mapped[int] = mapped_column(Integer)
    topic: Mapped[Topic] = mapped_column(str_enum(Topic, "mens_peer_groups_topic"))
    referred_onward: Mapped[bool]
    shift_date: Mapped[date]
