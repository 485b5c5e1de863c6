"""Mieskaverit® (module `mentor_buddy`): an adult man as a buddy for a child of a single mother.

Only the description lives here, so that discovery stays cheap; the tables
(`models`), rules (`service`) and endpoints (`api`) load when the core asks.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from tukiverkko.platform.plugins import CurriculumItem, ModuleDescription, Names
from tukiverkko.platform.primitives.models import IntakeSource, ParticipantKind
from tukiverkko.platform.primitives.programmes import DEFAULT_CLOSING_REASONS

KEY = "mentor_buddy"


def _blueprints() -> list[Any]:
    from tukiverkko.modules.mentor_buddy.api import blp

    return [blp]


def _page_blueprints() -> list[Any]:
    from tukiverkko.modules.mentor_buddy.pages import blp

    return [blp]


def _volunteer_panel(*args: Any) -> Any:
    from tukiverkko.modules.mentor_buddy.pages import volunteer_panel

    return volunteer_panel(*args)


def _volunteer_is_adult_man(*args: Any) -> Any:
    from tukiverkko.modules.mentor_buddy.service import volunteer_is_adult_man

    return volunteer_is_adult_man(*args)


def _participant_is_child(*args: Any) -> Any:
    from tukiverkko.modules.mentor_buddy.service import participant_is_child

    return participant_is_child(*args)


MODULE = ModuleDescription(
    key=KEY,
    names=Names(fi="Mieskaverit", sv="Manskamrater", en="Male buddies"),
    model="Mieskaverit®",
    participant_kind=ParticipantKind.CHILD,
    intake_sources=frozenset({IntakeSource.GUARDIAN}),
    intake_refusal=(
        "Mieskaverit® starts only on the mother's own initiative: a referral cannot be taken."
        " Tell the mother about the programme and ask her to contact the coordinator herself."
    ),
    volunteer_rules=(_volunteer_is_adult_man,),
    intake_rules=(_participant_is_child,),
    volunteer_requirements=("An adult man (18 or over)", "Background check before matching"),
    participant_requirements=(
        "A child living with the mother, with no close contact with the father or other adult men",
        "The mother applies herself",
    ),
    background_check_required=True,
    training_required=True,
    curriculum=(CurriculumItem("Mieskaverikurssi (model course)", 15),),
    meetings_per_month=(2, 4),
    closing_reasons=DEFAULT_CLOSING_REASONS,
    models="tukiverkko.modules.mentor_buddy.models",
    migrations=Path(__file__).parent / "migrations",
    blueprints=_blueprints,
    # The coordinator's form for the facts above, on the core's volunteer page.
    page_blueprints=_page_blueprints,
    volunteer_panel=_volunteer_panel,
)
