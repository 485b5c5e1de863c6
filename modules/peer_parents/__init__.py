"""Vertaisvanhemmuus (module `peer_parents`): volunteer families at family-life transitions.

A description only for now: volunteer families visit family coaching, open
clubs and school parent evenings (activity calendar per locality, visit
sign-up and reports are still to come).
"""

from __future__ import annotations

from tukiverkko.platform.plugins import ModuleDescription, Names
from tukiverkko.platform.primitives.models import IntakeSource, ParticipantKind

MODULE = ModuleDescription(
    key="peer_parents",
    names=Names(fi="Vertaisvanhemmuus", sv="Kamratföräldraskap", en="Peer parents"),
    model="Pelastakaa Lapset Vertaisvanhemmuus",
    participant_kind=ParticipantKind.FAMILY,
    intake_sources=frozenset({IntakeSource.SELF, IntakeSource.REFERRER}),
    volunteer_requirements=("A volunteer family",),
    participant_requirements=("Families at a transition: a child expected, day care, school",),
    background_check_required=True,
    meetings_per_month=(1, 4),
)
