"""Perhekummi (module `family_sponsor`): a volunteer sponsor for a family of neuvola age.

Intake by a municipal worker or self-referral, with the family's own sense
of need recorded (a scale and their words, coordinators only) through
`POST /api/v1/family-sponsor/intakes`; at least one child under seven.
Volunteers: background check required, and the guidance "a sponsor is not
a babysitter or home help" shown and acknowledged before approval.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from tukiverkko.platform.plugins import CurriculumItem, ModuleDescription, Names
from tukiverkko.platform.primitives.models import IntakeSource, ParticipantKind

KEY = "family_sponsor"


def _blueprints() -> list[Any]:
    from tukiverkko.modules.family_sponsor.api import blp

    return [blp]


def _a_family(*args: Any) -> Any:
    from tukiverkko.modules.family_sponsor.service import a_family

    return a_family(*args)


def _neuvola_age(*args: Any) -> Any:
    from tukiverkko.modules.family_sponsor.service import a_child_of_neuvola_age

    return a_child_of_neuvola_age(*args)


def _guidance_acknowledged(*args: Any) -> Any:
    from tukiverkko.modules.family_sponsor.service import guidance_acknowledged

    return guidance_acknowledged(*args)


MODULE = ModuleDescription(
    key=KEY,
    names=Names(fi="Perhekummi", sv="Familjefadder", en="Family sponsor"),
    model="MLL Perhekummi",
    participant_kind=ParticipantKind.FAMILY,
    intake_sources=frozenset({IntakeSource.REFERRER, IntakeSource.SELF}),
    intake_refusal="Perhekummi takes families through a municipal worker or by self-referral.",
    intake_rules=(_a_family, _neuvola_age),
    volunteer_rules=(_guidance_acknowledged,),
    volunteer_requirements=(
        "Background check before matching",
        "A sponsor is not a babysitter, home help or other professional:"
        " the guidance is shown and acknowledged before approval",
    ),
    participant_requirements=(
        "A family with children of neuvola age (under seven)",
        "The family's own sense of need is the starting point (asked and recorded at intake)",
    ),
    background_check_required=True,
    curriculum=(CurriculumItem("MLL:n perhekummikoulutus", 12),),
    meetings_per_month=(2, 4),
    models="tukiverkko.modules.family_sponsor.models",
    migrations=Path(__file__).parent / "migrations",
    blueprints=_blueprints,
)
