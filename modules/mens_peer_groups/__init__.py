"""Toiminnan Miehet (module `mens_peer_groups`): peer groups and the anonymous MIESluuri line.

Callers of the phone line are anonymous: the call log keeps only the
duration, a topic category, whether the man was referred onward and the
shift's date (`models.Call`), and its API refuses any other field.

The phone line is open on two evenings a week: the coordinator lays out the
weekly pattern of shifts, phone volunteers sign up, and one who reports an
absence frees his place and the other phone volunteers are asked to replace
him (`replacement_needed`). Everyone on a shift is reminded the day before
(`shift_reminder`, a task of the daily scan). Peer groups (Sakit) have a
theme, a peer man leading them and members by first name or pseudonym only.
A volunteer acknowledges his rights and duties before his first shift or group.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from tukiverkko.platform.plugins import (
    CurriculumItem,
    ModuleDescription,
    Names,
    NotificationTemplate,
)
from tukiverkko.platform.primitives.models import IntakeSource, ParticipantKind

KEY = "mens_peer_groups"


def _blueprints() -> list[Any]:
    from tukiverkko.modules.mens_peer_groups.api import blp

    return [blp]


def _page_blueprints() -> list[Any]:
    from tukiverkko.modules.mens_peer_groups.pages import blp
    from tukiverkko.modules.mens_peer_groups.staff_pages import blp as staff_blp

    return [blp, staff_blp]


def _render_replacement_needed(params: dict[str, Any]) -> tuple[str, str]:
    from flask_babel import gettext as _

    subject = _("MIESluuri: a replacement is needed on %(day)s", day=params["day"])
    body = _(
        "Hello,\n\nA phone volunteer cannot come to the MIESluuri shift on %(day)s,"
        " %(starts)s-%(ends)s. If you can take it, sign up for the shift in Tukiverkko."
        "\n\nThank you!",
        day=params["day"],
        starts=params["starts"],
        ends=params["ends"],
    )
    return subject, body


def _render_shift_reminder(params: dict[str, Any]) -> tuple[str, str]:
    from flask_babel import gettext as _

    subject = _("MIESluuri: your shift tomorrow at %(starts)s", starts=params["starts"])
    body = _(
        "Hello,\n\nA reminder: you are on the MIESluuri shift tomorrow, %(day)s,"
        " %(starts)s-%(ends)s. If you cannot come, report your absence in Tukiverkko"
        " as early as possible, so that a replacement can be found.",
        day=params["day"],
        starts=params["starts"],
        ends=params["ends"],
    )
    return subject, body


def _send_shift_reminders() -> int:
    from tukiverkko.modules.mens_peer_groups.service import send_shift_reminders

    return send_shift_reminders()


def _register_daily_task() -> None:
    # The reminder runs in the workers' daily scan. The plugin contract has no
    # field for daily tasks, so the module registers its own when it is
    # discovered (the worker discovers modules when it builds the app).
    try:
        from tukiverkko.workers.scheduled import daily_task
    except ImportError:  # pragma: no cover - a web-only install
        return
    daily_task(f"{KEY}.shift_reminders")(_send_shift_reminders)


_register_daily_task()


def _report_sections(*args: Any) -> Any:
    from tukiverkko.modules.mens_peer_groups.reports import report_sections

    return report_sections(*args)


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
        "Rights and duties shown and acknowledged before the first shift or group",
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
    # The phone volunteer's shifts page, /t/<slug>/me/phone-line (and its menu item).
    page_blueprints=_page_blueprints,
    report_sections=_report_sections,  # the funder report's phone-line section
    notifications=(
        NotificationTemplate("replacement_needed", _render_replacement_needed),
        NotificationTemplate("shift_reminder", _render_shift_reminder),
    ),
)
