"""Forms and labels of the model owner's pages: Flask-WTF, errors in the reader's language."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import (
    DateField,
    DateTimeLocalField,
    IntegerField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional

from tukiverkko.tenants.licensing import FINLAND
from tukiverkko.tenants.licensing_models import LicenceStatus, MaterialKind

LICENCE_STATUS: dict[LicenceStatus, Any] = {
    LicenceStatus.APPLIED: _l("Applied"),
    LicenceStatus.UNDER_REVIEW: _l("Under review"),
    LicenceStatus.REJECTED: _l("Rejected"),
    LicenceStatus.GRANTED: _l("Granted, conditions pending"),
    LicenceStatus.ACTIVE: _l("Active"),
    LicenceStatus.SUSPENDED: _l("Suspended"),
    LicenceStatus.REVOKED: _l("Revoked"),
    LicenceStatus.EXPIRED: _l("Expired"),
}

CONDITION: dict[str, Any] = {
    "course_completed": _l("A coordinator has completed the model course"),
    "agreement_signed": _l("The cooperation agreement is signed"),
    "resources_declared": _l("Resources for continuity are declared"),
}

# The owner's actions on a licence, as buttons (the service decides which apply).
ACTIONS: dict[str, Any] = {
    "review": _l("Start review"),
    "grant": _l("Grant"),
    "reject": _l("Reject"),
    "suspend": _l("Suspend"),
    "reinstate": _l("Reinstate"),
    "revoke": _l("Revoke"),
    "expire": _l("End now"),
    "renew": _l("Renew"),
}

# Names of the owner overview's counts (`licensing.PARTNER_COUNTS`), as column headings.
FIGURES: dict[str, Any] = {
    "active_volunteers": _l("Active volunteers"),
    "active_matches": _l("Active matches"),
    "meetings_last_90_days": _l("Meetings in the last 90 days"),
    "trained_volunteers_this_year": _l("Volunteers trained this year"),
    "trained_coordinators": _l("Coordinators trained"),
}

MATERIAL_KIND: dict[MaterialKind, Any] = {
    MaterialKind.TRAINING: _l("Training material"),
    MaterialKind.BROCHURE: _l("Brochure"),
    MaterialKind.CURRICULUM: _l("Curriculum"),
    MaterialKind.APPLICATION_GUIDE: _l("Application guide for mothers"),
    MaterialKind.AD_TEMPLATE: _l("Newspaper ad template"),
    MaterialKind.PRESS_RELEASE_TEMPLATE: _l("Press release template"),
    MaterialKind.LOGO: _l("Logo"),
    MaterialKind.LOGO_GUIDELINES: _l("Logo guidelines"),
}


def finnish_to_utc(value: datetime | None) -> datetime | None:
    """A wall-clock time typed in Finland, as an aware UTC datetime."""
    if value is None:
        return None
    return value.replace(tzinfo=FINLAND).astimezone(UTC)


class DecisionForm(FlaskForm):
    """One owner action on a licence: always with a reason (it goes to the history)."""

    reason = TextAreaField(_l("Reason"), validators=[DataRequired(), Length(max=1000)])
    valid_until = DateField(
        _l("Valid until (optional)"), validators=[Optional()], render_kw={"type": "date"}
    )


class AgreementForm(FlaskForm):
    signed_on = DateField(_l("Signed on"), validators=[InputRequired()])
    note = StringField(_l("Note (optional)"), validators=[Optional(), Length(max=1000)])


class CourseForm(FlaskForm):
    model = SelectField(_l("Model"), validators=[InputRequired()])
    starts_at = DateTimeLocalField(
        _l("Starts (Finnish time)"), format="%Y-%m-%dT%H:%M", validators=[InputRequired()]
    )
    ends_at = DateTimeLocalField(
        _l("Ends (Finnish time)"), format="%Y-%m-%dT%H:%M", validators=[InputRequired()]
    )
    place = StringField(_l("Place"), validators=[DataRequired(), Length(max=200)])
    capacity = IntegerField(_l("Places"), validators=[InputRequired(), NumberRange(min=1, max=500)])


class MaterialForm(FlaskForm):
    model = SelectField(_l("Model"), validators=[InputRequired()])
    kind = SelectField(
        _l("Kind"),
        choices=[(k.value, label) for k, label in MATERIAL_KIND.items()],
        validators=[InputRequired()],
    )
    title = StringField(_l("Title (optional)"), validators=[Optional(), Length(max=200)])
    file = FileField(_l("File"), validators=[FileRequired()])


class AnnouncementForm(FlaskForm):
    subject = StringField(_l("Subject"), validators=[DataRequired(), Length(max=200)])
    body = TextAreaField(_l("Message"), validators=[DataRequired(), Length(max=20_000)])


class ButtonForm(FlaskForm):
    """A button that only needs the CSRF token (mark done, delete…)."""


def local_time(value: datetime | date | None) -> str:
    """A date, or a time in Finland, in the reader's language (a template filter: `wb_date`)."""
    from babel.dates import format_date, format_datetime
    from flask_babel import get_locale

    if value is None:
        return "-"
    locale = get_locale() or "fi"
    if isinstance(value, datetime):
        return format_datetime(value, "short", tzinfo=FINLAND, locale=locale)
    return format_date(value, "medium", locale=locale)
