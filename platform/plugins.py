"""The plugin contract: programme modules found through an entry-point group.

A programme module (Mieskaverit®, MLL Kaveri, Toiminnan Miehet…) is a Python
distribution that declares, in its `pyproject.toml`,

    [project.entry-points."tukiverkko.modules"]
    mentor_buddy = "tukiverkko.modules.mentor_buddy:MODULE"

where `MODULE` is a `ModuleDescription`. The core finds modules only here:
it never imports a module by name (a test greps for it), so a seventh
programme ships as its own package without a change to the core.

A description says what differs between programmes and nothing more; the
core owns the lifecycle and asks the registry at the points where
programmes differ: creating a programme (defaults, the model's licence),
intake (who may start it, participant rules), approval (volunteer rules),
matching (weights), migrations (version locations), the API (blueprints),
the pages (page blueprints, a panel of the volunteer page) and
notifications (kinds).
"""

from __future__ import annotations

import logging
import threading
import uuid
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date
from importlib import import_module
from importlib.metadata import EntryPoint, distributions
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy.orm import Session

from tukiverkko.platform.errors import Conflict, Problem, ValidationFailed
from tukiverkko.platform.primitives.models import (
    IntakeSource,
    ParticipantKind,
    Programme,
    Volunteer,
)

if TYPE_CHECKING:  # only for hints: importing matching here would be a cycle
    from tukiverkko.platform.primitives.matching import MatchWeights

log = logging.getLogger(__name__)

ENTRY_POINT_GROUP = "tukiverkko.modules"


class UnknownModule(Problem):
    """No installed programme module has this key."""

    status = 422
    code = "unknown_module"


@dataclass(frozen=True)
class Names:
    """A module's name in the three languages the platform serves."""

    fi: str
    sv: str
    en: str


@dataclass(frozen=True)
class Refusal:
    """Why a rule refuses: a stable code, words for people, and the field concerned."""

    code: str
    message: str
    field: str | None = None


# A rule gets the session, the programme and the subject (a Volunteer at
# approval; at intake a dict of the intake's fields plus the module's
# `answers`) and returns a Refusal, or None when the subject is eligible.
# Plain callables rather than a rule language: the rules are few and varied
# (an age from a birth year, a fact in a module table, an answer at intake).
VolunteerRule = Callable[[Session, Programme, Volunteer], Refusal | None]
IntakeRule = Callable[[Session, Programme, Mapping[str, Any]], Refusal | None]


@dataclass(frozen=True)
class CurriculumItem:
    """One part of the volunteer training the model prescribes."""

    name: str
    hours: int


@dataclass(frozen=True)
class NotificationTemplate:
    """A notification kind of the module; registered as `<module key>.<name>`."""

    name: str
    render: Callable[[dict[str, Any]], tuple[str, str]]
    essential: bool = False


@dataclass(frozen=True)
class ReportRow:
    """One figure of a report section: a count (or minutes) that adds up across programmes.

    `part_of` names the row this one is a part of (calls by topic are parts of
    calls): the model owner's report hides parts together so that no small
    count can be derived by subtracting the others from the whole.
    """

    key: str
    label: Any  # a lazy string: rendered in the reader's language
    value: int | float
    part_of: str | None = None
    # A measure (an average, a median) is shown only when this count is 5 or more.
    base: str | None = None


@dataclass(frozen=True)
class ReportSection:
    """A titled group of figures in a funder report (`platform/reports`)."""

    key: str
    title: Any  # a lazy string
    rows: tuple[ReportRow, ...]


# A module's report sections: gets the session, the programmes of the module
# being reported as (programme id, tenant id) pairs, and the period (first and
# last day, inclusive); returns the sections of each programme, by programme
# id. Called once per report whatever the number of programmes (aggregate in
# SQL, grouped by tenant or programme); inside `cross_tenant` for the model
# owner's report, so every query names the tenants explicitly. Counts only:
# never a row, a name or an id of a person.
ReportSections = Callable[
    [Session, list[tuple[uuid.UUID, uuid.UUID]], date, date],
    Mapping[uuid.UUID, list[ReportSection]],
]


@dataclass(frozen=True)
class DataField:
    """One kind of personal data a module keeps, as its privacy notice names it."""

    names: Names
    # Whose data it is: "volunteer", "participant" or "guardian".
    subject: str = "participant"


# A section of the coordinator's volunteer page (`/t/<slug>/work/volunteers/<id>`)
# for a volunteer of the module's programme: gets the session (the tenant is
# bound), the programme and the volunteer; returns HTML (`markupsafe.Markup`,
# rendered from the module's own template) or None to show nothing. Called
# only for volunteers of the module's own programmes, once per page: a fixed
# number of queries. Its forms post to the module's own page blueprint.
VolunteerPanel = Callable[[Session, Programme, Volunteer], Any]


@dataclass(frozen=True)
class ModuleDescription:
    """What one programme module declares. Frozen: the registry shares it between requests."""

    key: str
    names: Names
    # The licensed model it implements, as the owner prints it ("Mieskaverit®").
    # The link itself is `ProgrammeModel.module_key == key`.
    model: str
    participant_kind: ParticipantKind
    # Who may start an intake. A programme may narrow this, never widen it.
    intake_sources: frozenset[IntakeSource]
    # Said to whoever tries another source: the model's reason, not just "no".
    intake_refusal: str = ""
    volunteer_rules: tuple[VolunteerRule, ...] = ()
    intake_rules: tuple[IntakeRule, ...] = ()
    # What the rules above require, in words (for the module list and docs).
    volunteer_requirements: tuple[str, ...] = ()
    participant_requirements: tuple[str, ...] = ()
    background_check_required: bool = True
    training_required: bool = True
    curriculum: tuple[CurriculumItem, ...] = ()
    matching_weights: MatchWeights | None = None
    meetings_per_month: tuple[int, int] = (2, 4)
    closing_reasons: tuple[str, ...] | None = None
    # Dotted path of the module's models (tables on the core's `Base`, so
    # that foreign keys to tenants, programmes and volunteers resolve).
    models: str | None = None
    # The module's own Alembic version directory; its first revision carries
    # `branch_labels=(key,)` and `depends_on` the core revision it needs.
    migrations: Path | None = None
    # Returns the module's flask-smorest blueprints; called when the app is built.
    blueprints: Callable[[], Iterable[Any]] | None = None
    notifications: tuple[NotificationTemplate, ...] = ()
    # Extra sections of the funder report (phone-line calls by topic…); see ReportSections.
    report_sections: ReportSections | None = None
    # The personal data the module's own tables keep, for the privacy notice
    # (platform/privacy/notice.py); when empty the notice lists their columns.
    data_fields: tuple[DataField, ...] = ()
    # Returns the module's page blueprints, made with `pages.frame.tenant_pages`
    # (so under `/t/<slug>/…`, with sign-in, permissions and `<uuid:x>` checks as
    # the core's pages); called when the app is built. A module's menu items are
    # `frame.nav_item(...)` calls in the same file, run when it is imported.
    page_blueprints: Callable[[], Iterable[Any]] | None = None
    # A panel of the coordinator's volunteer page; see VolunteerPanel.
    volunteer_panel: VolunteerPanel | None = None

    def settings(self) -> Any:
        """The module's defaults as the primitives' `ProgrammeSettings`."""
        from tukiverkko.platform.primitives.programmes import ProgrammeSettings

        low, high = self.meetings_per_month
        values: dict[str, Any] = {
            "background_check_required": self.background_check_required,
            "training_required": self.training_required,
            "meetings_per_month_min": low,
            "meetings_per_month_max": high,
            "intake_sources": self.intake_sources,
        }
        if self.closing_reasons is not None:
            values["closing_reasons"] = self.closing_reasons
        return ProgrammeSettings(**values)


_REGISTRY: dict[str, ModuleDescription] = {}
_discovered = False
_lock = threading.Lock()


def register(module: ModuleDescription) -> None:
    """Add a module and feed its defaults and weights to the primitives."""
    from tukiverkko.platform import notifications
    from tukiverkko.platform.primitives import matching, programmes

    if not programmes.MODULE_KEY.match(module.key):
        raise ValueError(f"module key {module.key!r}: lower-case letters, digits and _")
    existing = _REGISTRY.get(module.key)
    if existing is not None and existing is not module:
        raise ValueError(f"two modules have the key {module.key!r}")
    if not module.intake_sources:
        raise ValueError(f"module {module.key!r} lets no one start an intake")
    programmes.register_module_defaults(module.key, module.settings())
    if module.matching_weights is not None:
        matching.register_module_weights(module.key, module.matching_weights)
    for template in module.notifications:
        notifications.kind(f"{module.key}.{template.name}", essential=template.essential)(
            template.render
        )
    _REGISTRY[module.key] = module


def unregister(key: str) -> None:
    """Forget a module (tests that register a throwaway one clean up with this)."""
    _REGISTRY.pop(key, None)


@contextmanager
def registered(module: ModuleDescription) -> Iterator[ModuleDescription]:
    """A module registered for the duration of a block (tests)."""
    register(module)
    try:
        yield module
    finally:
        unregister(module.key)


def discover() -> None:
    """Load every module of the entry-point group, once per process.

    A module that fails to load stops the start: a partner's programme
    silently missing would be worse than a process that does not start.
    """
    global _discovered
    if _discovered:
        return
    with _lock:
        if _discovered:
            return
        for entry in _entry_points():
            module = entry.load()
            if not isinstance(module, ModuleDescription):
                raise TypeError(f"entry point {entry.name!r} is not a ModuleDescription")
            if module.key != entry.name:
                raise ValueError(f"entry point {entry.name!r} names module {module.key!r}")
            register(module)
        _discovered = True


def _entry_points() -> list[EntryPoint]:
    """The group's entry points over every distribution on the path, by name.

    `importlib.metadata.entry_points()` keeps only the first distribution of
    a name: a stale `tukiverkko.egg-info` in the working directory (on
    `sys.path` when running from the repository) would hide the installed
    metadata and with it every module. So the union, first of a name wins.
    """
    found: dict[str, EntryPoint] = {}
    for dist in distributions():
        for entry in dist.entry_points.select(group=ENTRY_POINT_GROUP):
            found.setdefault(entry.name, entry)
    return [found[name] for name in sorted(found)]


def get_module(key: str) -> ModuleDescription:
    """The module with `key`; `UnknownModule` (422, `unknown_module`) if none."""
    discover()
    try:
        return _REGISTRY[key]
    except KeyError:
        raise UnknownModule(
            f"No programme module {key!r} is installed.",
            errors={"json": {"module_key": [f"One of: {', '.join(sorted(_REGISTRY))}."]}},
        ) from None


def find_module(key: str) -> ModuleDescription | None:
    """The module with `key`, or None (for data written before it was uninstalled)."""
    discover()
    return _REGISTRY.get(key)


def all_modules() -> list[ModuleDescription]:
    """Every registered module, by key."""
    discover()
    return [_REGISTRY[key] for key in sorted(_REGISTRY)]


# --- what the core asks ------------------------------------------------------


def load_module_models() -> None:
    """Import every module's models so that `Base.metadata` is complete."""
    for module in all_modules():
        if module.models:
            import_module(module.models)


def version_locations() -> list[Path]:
    """The Alembic version directories of the modules that have tables."""
    return [m.migrations for m in all_modules() if m.migrations is not None]


def module_blueprints() -> list[Any]:
    """The flask-smorest blueprints of every module."""
    found: list[Any] = []
    for module in all_modules():
        if module.blueprints is not None:
            found.extend(module.blueprints())
    return found


def module_page_blueprints() -> list[Any]:
    """The page blueprints of every module; each must live under `/t/<slug>/…`.

    A module page outside an organisation's URL space would escape the
    frame's sign-in and visibility checks, so such a blueprint stops the start.
    """
    found: list[Any] = []
    for module in all_modules():
        if module.page_blueprints is None:
            continue
        for blueprint in module.page_blueprints():
            if not (blueprint.url_prefix or "").startswith("/t/<slug>"):
                raise ValueError(
                    f"module {module.key!r}: page blueprint {blueprint.name!r} is not under"
                    " /t/<slug>/ (make it with pages.frame.tenant_pages)"
                )
            found.append(blueprint)
    return found


def volunteer_panel(db: Session, programme: Programme, volunteer: Volunteer) -> Any:
    """The panel the programme's module adds to the coordinator's volunteer page, or None."""
    module = find_module(programme.module_key)
    if module is None or module.volunteer_panel is None:
        return None
    return module.volunteer_panel(db, programme, volunteer)


def check_programme_settings(module: ModuleDescription, values: Mapping[str, Any]) -> None:
    """Refuse local settings that would break the model's own rules.

    A partner may narrow who starts an intake or ask for more, never less:
    a Mieskaverit® programme cannot start taking referrals or drop the check.
    """
    errors: dict[str, list[str]] = {}
    sources = values.get("intake_sources")
    if sources is not None and not set(sources) <= module.intake_sources:
        allowed = ", ".join(sorted(module.intake_sources))
        errors["intake_sources"] = [f"{module.model} allows only: {allowed}."]
    if module.background_check_required and values.get("background_check_required") is False:
        errors["background_check_required"] = [f"{module.model} requires the check."]
    if errors:
        raise ValidationFailed(
            "These settings break the programme model's rules.",
            code="settings_break_model_rules",
            errors={"json": errors},
        )


def require_intake_allowed(
    programme: Programme, source: IntakeSource, fields: Mapping[str, Any], db: Session
) -> None:
    """Apply the module's intake rules (participant eligibility, questions asked at intake)."""
    module = find_module(programme.module_key)
    if module is None:
        return
    for rule in module.intake_rules:
        refusal = rule(db, programme, {**fields, "source": source})
        if refusal is not None:
            raise ValidationFailed(
                refusal.message,
                code=refusal.code,
                errors={"json": {refusal.field or "_schema": [refusal.message]}},
            )


def intake_refusal(programme: Programme) -> str:
    """The model's own reason for refusing an intake source, if it states one."""
    module = find_module(programme.module_key)
    return module.intake_refusal if module is not None else ""


def require_volunteer_eligible(db: Session, programme: Programme, volunteer: Volunteer) -> None:
    """Refuse approval when a rule of the module says the volunteer cannot serve.

    409, like the other refusals of approval: the request is sound, the
    volunteer's recorded facts do not allow it (yet).
    """
    module = find_module(programme.module_key)
    if module is None:
        return
    refusals = [r for rule in module.volunteer_rules if (r := rule(db, programme, volunteer))]
    if refusals:
        first = refusals[0]
        raise Conflict(
            first.message,
            code=first.code,
            errors={"json": {r.field or "_schema": [r.message] for r in refusals}},
        )


@dataclass(frozen=True)
class ModuleSummary:
    """A module as the API lists it for one tenant."""

    key: str
    names: Names
    model: str
    participant_kind: ParticipantKind
    intake_sources: list[str]
    background_check_required: bool
    meetings_per_month: tuple[int, int]
    curriculum: list[CurriculumItem]
    volunteer_requirements: list[str]
    participant_requirements: list[str]
    licensed: bool = field(default=False)


def summaries(db: Session, tenant_id: Any) -> list[ModuleSummary]:
    """Every module, each marked with whether `tenant_id` holds a licence in force for it.

    A tenant enables a module by holding its model's licence: creating a
    programme checks it (`programmes.create_programme`).
    """
    from tukiverkko.tenants.licensing import require_active_licence

    out: list[ModuleSummary] = []
    for m in all_modules():
        try:
            require_active_licence(db, tenant_id, m.key, "programme")
            licensed = True
        except Problem:
            licensed = False
        out.append(
            ModuleSummary(
                key=m.key,
                names=m.names,
                model=m.model,
                participant_kind=m.participant_kind,
                intake_sources=sorted(m.intake_sources),
                background_check_required=m.background_check_required,
                meetings_per_month=m.meetings_per_month,
                curriculum=list(m.curriculum),
                volunteer_requirements=list(m.volunteer_requirements),
                participant_requirements=list(m.participant_requirements),
                licensed=licensed,
            )
        )
    return out
