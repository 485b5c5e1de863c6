"""Vertaisvanhemmuus (module `peer_parents`): volunteer families at family-life transitions.

Volunteer families visit family coaching, open clubs and school parent
evenings. The module keeps the partner venues of each locality (neuvola,
club, school), the activity calendar of visits (core events with a venue
and a transition: volunteer families sign up, places are limited) and the
visit reports (what happened, how many parents were reached: no names).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from tukiverkko.platform.plugins import ModuleDescription, Names
from tukiverkko.platform.primitives.models import IntakeSource, ParticipantKind

KEY = "peer_parents"


def _blueprints() -> list[Any]:
    from tukiverkko.modules.peer_parents.api import blp

    return [blp]


MODULE = ModuleDescription(
    key=KEY,
    names=Names(fi="Vertaisvanhemmuus", sv="Kamratföräldraskap", en="Peer parents"),
    model="Pelastakaa Lapset Vertaisvanhemmuus",
    participant_kind=ParticipantKind.FAMILY,
    intake_sources=frozenset({IntakeSource.SELF, IntakeSource.REFERRER}),
    volunteer_requirements=("A volunteer family",),
    participant_requirements=("Families at a transition: a child expected, day care, school",),
    background_check_required=True,
    meetings_per_month=(1, 4),
    models="tukiverkko.modules.peer_parents.models",
    migrations=Path(__file__).parent / "migrations",
    blueprints=_blueprints,
)
