"""Forms of the volunteer's own pages (`/t/<slug>/me/…`)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    DateField,
    EmailField,
    IntegerField,
    SelectField,
    SelectMultipleField,
    StringField,
    TelField,
    TextAreaField,
)
from wtforms.validators import DataRequired, Email, Length, NumberRange, Optional
from wtforms.widgets import CheckboxInput, ListWidget

from tukiverkko.platform.db import utcnow
from tukiverkko.platform.pages.forms_public import POSTCODE
from tukiverkko.platform.primitives.models import AVAILABILITY_SLOTS
from tukiverkko.platform.primitives.models_followup import MeetingKind

DAY_NAMES = {
    "mon": _l("Mon"),
    "tue": _l("Tue"),
    "wed": _l("Wed"),
    "thu": _l("Thu"),
    "fri": _l("Fri"),
    "sat": _l("Sat"),
    "sun": _l("Sun"),
}
PART_NAMES = {"morning": _l("morning"), "afternoon": _l("afternoon"), "evening": _l("evening")}
MEETING_KINDS = {
    MeetingKind.MEETING: _l("Met face to face"),
    MeetingKind.OUTING: _l("Outing"),
    MeetingKind.PHONE: _l("Phone call"),
    MeetingKind.VIDEO: _l("Video call"),
    MeetingKind.MESSAGE: _l("Messages"),
    MeetingKind.OTHER: _l("Other"),
}


def slot_label(slot: str) -> str:
    day, part = slot.split("_", 1)
    return f"{DAY_NAMES[day]} {PART_NAMES[part]}"


class MultiCheckbox(SelectMultipleField):
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


class ProfileForm(FlaskForm):
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=200)])
    email = EmailField(_l("Email"), validators=[DataRequired(), Email(), Length(max=254)])
    phone = TelField(_l("Phone"), validators=[Optional(), Length(max=40)])
    postcode = StringField(_l("Postcode"), validators=[Optional(), POSTCODE])
    languages = StringField(_l("Languages (comma-separated)"), validators=[Length(max=400)])
    interests = StringField(_l("Interests (comma-separated)"), validators=[Length(max=400)])
    availability = MultiCheckbox(_l("When you are usually free"), choices=[], validate_choice=True)
    capacity = IntegerField(
        _l("How many matches at once"), validators=[DataRequired(), NumberRange(min=1, max=10)]
    )

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        self.availability.choices = [(s, slot_label(s)) for s in AVAILABILITY_SLOTS]


class MeetingForm(FlaskForm):
    """One short form, quick on a phone: the day defaults to today."""

    met_on = DateField(_l("Day"), validators=[DataRequired()], default=lambda: utcnow().date())
    minutes = IntegerField(
        _l("Length in minutes"),
        validators=[DataRequired(), NumberRange(min=1, max=1440)],
        default=60,
    )
    kind = SelectField(
        _l("What you did"),
        choices=[(k.value, label) for k, label in MEETING_KINDS.items()],
        default=MeetingKind.MEETING.value,
    )
    note = TextAreaField(_l("Note (optional)"), validators=[Optional(), Length(max=2000)])


class ActionForm(FlaskForm):
    """A button that changes something: only the CSRF token."""


class QuitForm(FlaskForm):
    confirm = BooleanField(
        _l("Yes, I want to stop volunteering."),
        validators=[DataRequired(message=_l("Tick the box to confirm."))],
    )
    reason = TextAreaField(
        _l("Would you tell us why? (optional)"), validators=[Optional(), Length(max=500)]
    )
