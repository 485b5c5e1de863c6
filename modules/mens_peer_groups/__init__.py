"""Toiminnan Miehet (module `mens_peer_groups`): peer groups and the anonymous MIESluuri line.

Callers of the phone line are anonymous: the call log keeps only the
duration, a topic category, whether the man was referred onward and the
shift's date (`models.Call`), and its API refuses any other field.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from tukiverkko.platform.plugins import CurriculumItem, ModuleDescription, Names
from tukiverkko.platform.primitives.models import IntakeSource, ParticipantKind

KEY = "mens_peer_groups"


def _blueprints() -> list[Any]:
    from tukiverkko.modules.mens_peer_groups.api import blp

    return [blp]


MODULE = ModuleDescription(
    key=KEY,
    names=Names(fi="Toiminnan Miehet", sv="Männens verksamhet", en="Men's peer groups"),
    model="Toiminnan Miehet",
    participant_kind=ParticipantKind.MAN,
    # Men come by themselves; first names or pseudonyms are enough.
    intake_sources=frozenset({IntakeSource.SELF}),
    intake_refusal="Toiminnan Miehet is for men who come by themselves.",
    volunteer_requirements=(
        "Peer men: yearly peer-leader training",
        "Phone volunteers: yearly basic and refresher training and supervision",
    ),
    participant_requirements=("Men; anonymous on the phone line",),
    # Adults among adults: no work with children, so no extract is asked for.
    background_check_required=False,
    curriculum=(
        CurriculumItem("Vertaismiehen käsikirja (peer-leader training)", 8),
        CurriculumItem("MIESluuri basic training", 6),
    ),
    meetings_per_month=(2, 8),
    models="tukiverkko.modules.mens_peer_groups.models",
    migrations=Path(__file__).parent / "migrations",
    blueprints=_blueprints,
)
