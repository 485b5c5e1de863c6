"""MLL Kaveri (module `support_person`): a support person for a 6-17-year-old.

Intake by a referrer (school, youth work, family counselling) or a parent,
with the guardian's consent recorded; not for child-protection clients,
which is asked and recorded at intake (`POST /api/v1/support-person/intakes`).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from tukiverkko.platform.plugins import CurriculumItem, ModuleDescription, Names
from tukiverkko.platform.primitives.models import IntakeSource, ParticipantKind

KEY = "support_person"


def _blueprints() -> list[Any]:
    from tukiverkko.modules.support_person.api import blp

    return [blp]


def _age_6_to_17(*args: Any) -> Any:
    from tukiverkko.modules.support_person.service import child_aged_6_to_17

    return child_aged_6_to_17(*args)


def _asked_at_intake(*args: Any) -> Any:
    from tukiverkko.modules.support_person.service import intake_questions_answered

    return intake_questions_answered(*args)


MODULE = ModuleDescription(
    key=KEY,
    names=Names(fi="Kaveritoiminta", sv="Kamratverksamhet", en="Support person"),
    model="MLL Kaveri",
    participant_kind=ParticipantKind.CHILD,
    intake_sources=frozenset({IntakeSource.GUARDIAN, IntakeSource.REFERRER}),
    intake_refusal=(
        "MLL Kaveri takes a child in through a referrer (school, youth work, family"
        " counselling) or a parent."
    ),
    intake_rules=(_age_6_to_17, _asked_at_intake),
    volunteer_requirements=("Background check before matching",),
    participant_requirements=(
        "A child aged 6-17 (by year of birth) about whom a concern has arisen",
        "Not a child-protection client (asked and recorded at intake)",
        "The guardian's consent recorded",
    ),
    background_check_required=True,
    curriculum=(CurriculumItem("MLL:n tukihenkilökoulutus", 12),),
    meetings_per_month=(2, 4),
    models="tukiverkko.modules.support_person.models",
    migrations=Path(__file__).parent / "migrations",
    blueprints=_blueprints,
)
