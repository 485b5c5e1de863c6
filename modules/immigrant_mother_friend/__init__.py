"""Ystäväksi maahanmuuttajaäidille (module `immigrant_mother_friend`).

A description only for now: volunteers are Finnish-speaking women,
participants immigrant mothers referred via neuvola or integration
services, or by themselves; matching weighs language and area.
"""

from __future__ import annotations

from tukiverkko.platform.plugins import CurriculumItem, ModuleDescription, Names
from tukiverkko.platform.primitives.matching import MatchWeights
from tukiverkko.platform.primitives.models import IntakeSource, ParticipantKind

MODULE = ModuleDescription(
    key="immigrant_mother_friend",
    names=Names(
        fi="Ystäväksi maahanmuuttajaäidille",
        sv="Vän till en invandrarmamma",
        en="Friend for an immigrant mother",
    ),
    model="MLL Ystäväksi maahanmuuttajaäidille",
    participant_kind=ParticipantKind.WOMAN,
    intake_sources=frozenset({IntakeSource.REFERRER, IntakeSource.SELF}),
    intake_refusal="Mothers come via neuvola or integration services, or by themselves.",
    volunteer_requirements=("A Finnish-speaking woman",),
    participant_requirements=("An immigrant mother (languages, Finnish level, children)",),
    # Adults among adults; the children are met only with their mother.
    background_check_required=False,
    curriculum=(CurriculumItem("Perehdytys ja ohjaus", 6),),
    # Language and area first: that is what makes the friendship work.
    matching_weights=MatchWeights(
        distance=0.35, languages=0.40, interests=0.10, availability=0.10, capacity=0.05
    ),
    meetings_per_month=(2, 4),
)
