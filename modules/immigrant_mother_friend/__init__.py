"""Ystäväksi maahanmuuttajaäidille (module `immigrant_mother_friend`).

Volunteers are Finnish-speaking women (their gender and Finnish recorded in
the module's table, checked at approval); participants are immigrant
mothers, taken in through `POST /api/v1/immigrant-mother-friend/intakes`
with the languages they speak, their Finnish, the number and years of birth
of their children, and whether they came via neuvola, integration services
or by themselves. Matching weighs language and area most.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from tukiverkko.platform.plugins import CurriculumItem, ModuleDescription, Names
from tukiverkko.platform.primitives.matching import MatchWeights
from tukiverkko.platform.primitives.models import IntakeSource, ParticipantKind

KEY = "immigrant_mother_friend"


def _blueprints() -> list[Any]:
    from tukiverkko.modules.immigrant_mother_friend.api import blp

    return [blp]


def _finnish_speaking_woman(*args: Any) -> Any:
    from tukiverkko.modules.immigrant_mother_friend.service import finnish_speaking_woman

    return finnish_speaking_woman(*args)


def _an_immigrant_mother(*args: Any) -> Any:
    from tukiverkko.modules.immigrant_mother_friend.service import an_immigrant_mother

    return an_immigrant_mother(*args)


MODULE = ModuleDescription(
    key=KEY,
    names=Names(
        fi="Ystäväksi maahanmuuttajaäidille",
        sv="Vän till en invandrarmamma",
        en="Friend for an immigrant mother",
    ),
    model="MLL Ystäväksi maahanmuuttajaäidille",
    participant_kind=ParticipantKind.WOMAN,
    intake_sources=frozenset({IntakeSource.REFERRER, IntakeSource.SELF}),
    intake_refusal="Mothers come via neuvola or integration services, or by themselves.",
    volunteer_rules=(_finnish_speaking_woman,),
    intake_rules=(_an_immigrant_mother,),
    volunteer_requirements=("A Finnish-speaking woman (fluent or native)",),
    participant_requirements=(
        "An immigrant mother: languages spoken, Finnish level, number and ages of children",
        "Referred via neuvola or integration services, or by herself",
    ),
    # Adults among adults; the children are met only with their mother.
    background_check_required=False,
    curriculum=(CurriculumItem("Perehdytys ja ohjaus", 6),),
    # Language and area first: that is what makes the friendship work.
    matching_weights=MatchWeights(
        distance=0.35, languages=0.40, interests=0.10, availability=0.10, capacity=0.05
    ),
    meetings_per_month=(2, 4),
    models="tukiverkko.modules.immigrant_mother_friend.models",
    migrations=Path(__file__).parent / "migrations",
    blueprints=_blueprints,
)
