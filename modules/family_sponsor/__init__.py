"""Perhekummi (module `family_sponsor`): a volunteer sponsor for a family of neuvola age.

A description only for now (no tables or endpoints of its own): intake by a
municipal worker or self-referral, the family's own sense of need recorded,
background check required. The sponsor is not a babysitter or home help.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy.orm import Session

from tukiverkko.platform.plugins import CurriculumItem, ModuleDescription, Names, Refusal
from tukiverkko.platform.primitives.models import IntakeSource, ParticipantKind, Programme


def _a_family(db: Session, programme: Programme, intake: Mapping[str, Any]) -> Refusal | None:
    if intake.get("kind") != ParticipantKind.FAMILY:
        return Refusal("participant_not_eligible", "Perhekummi supports families.", "kind")
    return None


MODULE = ModuleDescription(
    key="family_sponsor",
    names=Names(fi="Perhekummi", sv="Familjefadder", en="Family sponsor"),
    model="MLL Perhekummi",
    participant_kind=ParticipantKind.FAMILY,
    intake_sources=frozenset({IntakeSource.REFERRER, IntakeSource.SELF}),
    intake_refusal="Perhekummi takes families through a municipal worker or by self-referral.",
    intake_rules=(_a_family,),
    volunteer_requirements=(
        "Background check before matching",
        "Understands that a sponsor is not a babysitter, home help or professional",
    ),
    participant_requirements=(
        "A family with children of neuvola age",
        "The family's own sense of need is the starting point",
    ),
    background_check_required=True,
    curriculum=(CurriculumItem("MLL:n perhekummikoulutus", 12),),
    meetings_per_month=(2, 4),
)
