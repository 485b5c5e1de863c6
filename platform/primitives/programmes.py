"""Programmes: a tenant running one programme model, and the model's settings.

Each programme module (platform/plugins.py) supplies its defaults through
`register_module_defaults(key, ProgrammeSettings(...))` when it registers.
Creating a programme asks the registry for the module (`unknown_module`) and
the tenant's licence for its model (`licence_required`). A tenant may
override the settings per programme within the limits checked here and the
model's own rules (`plugins.check_programme_settings`).
"""

from __future__ import annotations

import re
import uuid
from dataclasses import asdict, dataclass, field, replace
from typing import Any

from sqlalchemy.orm import Session

from tukiverkko.platform import audit, context, plugins
from tukiverkko.platform.db import utcnow
from tukiverkko.platform.errors import Conflict, ValidationFailed
from tukiverkko.platform.primitives.models import (
    DEFAULT_EXTRACT_MAX_AGE_DAYS,
    IntakeSource,
    Programme,
)
from tukiverkko.tenants.licensing import require_active_licence

MODULE_KEY = re.compile(r"^[a-z][a-z0-9_]{1,63}$")
CLOSING_REASON = re.compile(r"^[a-z][a-z0-9_]{0,63}$")
DEFAULT_CLOSING_REASONS = (
    "moved",
    "need_ended",
    "volunteer_life_changed",
    "mismatch",
    "safety_concern",
    "other",
)
# Longer than a year is not "recent" by any reading of the practice.
MAX_EXTRACT_AGE_DAYS = 366


@dataclass(frozen=True)
class ProgrammeSettings:
    """What differs between programmes at the primitives' level, with defaults."""

    background_check_required: bool = True
    extract_max_age_days: int = DEFAULT_EXTRACT_MAX_AGE_DAYS
    training_required: bool = True
    meetings_per_month_min: int = 2
    meetings_per_month_max: int = 4
    intake_sources: frozenset[IntakeSource] = field(
        default_factory=lambda: frozenset({IntakeSource.GUARDIAN})
    )
    closing_reasons: tuple[str, ...] = DEFAULT_CLOSING_REASONS
    accepts_applications: bool = False


_MODULE_DEFAULTS: dict[str, ProgrammeSettings] = {}


def register_module_defaults(module_key: str, settings: ProgrammeSettings) -> None:
    """Let a programme module state its defaults (called by the plugin registry)."""
    validate_settings(asdict(settings))
    _MODULE_DEFAULTS[module_key] = settings


def defaults_for(module_key: str) -> ProgrammeSettings:
    return _MODULE_DEFAULTS.get(module_key, ProgrammeSettings())


def validate_settings(values: dict[str, Any]) -> None:
    """Refuse settings that cannot work, with a field error for each."""
    errors: dict[str, list[str]] = {}
    low, high = values.get("meetings_per_month_min"), values.get("meetings_per_month_max")
    if low is not None and high is not None and low > high:
        errors["meetings_per_month_min"] = ["Must not be above meetings_per_month_max."]
    age = values.get("extract_max_age_days")
    if age is not None and not 1 <= age <= MAX_EXTRACT_AGE_DAYS:
        errors["extract_max_age_days"] = [f"Between 1 and {MAX_EXTRACT_AGE_DAYS} days."]
    reasons = values.get("closing_reasons")
    if reasons is not None:
        if not reasons:
            errors["closing_reasons"] = ["At least one reason."]
        elif len(set(reasons)) != len(reasons) or not all(CLOSING_REASON.match(r) for r in reasons):
            errors["closing_reasons"] = ["Distinct lower-case codes such as 'moved'."]
    if "intake_sources" in values and not values["intake_sources"]:
        errors["intake_sources"] = ["At least one source."]
    if errors:
        raise ValidationFailed(
            "The programme settings are not valid.",
            code="invalid_programme_settings",
            errors={"json": errors},
        )


def _apply(programme: Programme, values: dict[str, Any]) -> None:
    for key, value in values.items():
        if key == "intake_sources":
            programme.intake_sources = set(value)
        elif key == "closing_reasons":
            programme.closing_reasons = list(value)
        else:
            setattr(programme, key, value)


def create_programme(
    db: Session, *, module_key: str, name: str, actor_id: uuid.UUID | None, **overrides: Any
) -> Programme:
    """Start running a programme of `module_key`, with the module's defaults and overrides."""
    if not MODULE_KEY.match(module_key):
        raise ValidationFailed(
            "Unknown kind of module key.",
            code="invalid_module_key",
            errors={"json": {"module_key": ["Lower-case letters, digits and _."]}},
        )
    # The registry, not a list here: modules are plugins (platform/plugins.py).
    module = plugins.get_module(module_key)
    # A tenant enables a module by holding a licence in force for its model.
    require_active_licence(db, _tenant_id(), module_key, "programme")
    plugins.check_programme_settings(module, overrides)
    settings = replace(defaults_for(module_key), **overrides)
    values = asdict(settings)
    validate_settings(values)
    programme = Programme(module_key=module_key, name=name)
    _apply(programme, values)
    db.add(programme)
    db.flush()
    audit.record(
        db, "programme_created", actor_id=actor_id, target_type="programme", target_id=programme.id
    )
    return programme


def _tenant_id() -> uuid.UUID:
    tenant_id = context.current().tenant_id
    if tenant_id is None:  # the services run bound to a tenant; anything else is a bug
        raise RuntimeError("create_programme needs a tenant in the context")
    return tenant_id


def update_programme(
    db: Session, programme: Programme, changes: dict[str, Any], *, actor_id: uuid.UUID
) -> Programme:
    """Change a programme's name or settings. A retired programme stays as it was."""
    if programme.retired_at is not None:
        raise Conflict("The programme has been retired.", code="programme_retired")
    merged = {
        "meetings_per_month_min": programme.meetings_per_month_min,
        "meetings_per_month_max": programme.meetings_per_month_max,
        **changes,
    }
    validate_settings(merged)
    module = plugins.find_module(programme.module_key)
    if module is not None:  # a module uninstalled later leaves its programmes editable
        plugins.check_programme_settings(module, changes)
    _apply(programme, changes)
    audit.record(
        db,
        "programme_changed",
        actor_id=actor_id,
        target_type="programme",
        target_id=programme.id,
        fields=sorted(changes),
    )
    return programme


def retire_programme(db: Session, programme: Programme, *, actor_id: uuid.UUID) -> Programme:
    """Stop a programme taking new people; its history stays readable."""
    if programme.retired_at is None:
        programme.retired_at = utcnow()
        programme.accepts_applications = False
        audit.record(
            db,
            "programme_retired",
            actor_id=actor_id,
            target_type="programme",
            target_id=programme.id,
        )
    return programme


def require_open(programme: Programme) -> None:
    """Refuse new volunteers, participants or matches in a retired programme."""
    if programme.retired_at is not None:
        raise Conflict("The programme has been retired.", code="programme_retired")


def require_new_work(db: Session, programme: Programme, operation: str) -> None:
    """Refuse new work ("intake", "match") unless the programme is open and licensed.

    A suspended licence stops new intakes and matches (403 `licence_required`)
    while everything already recorded stays readable.
    """
    require_open(programme)
    require_active_licence(db, programme.tenant_id, programme.module_key, operation)
