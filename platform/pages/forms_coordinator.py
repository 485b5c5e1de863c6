"""Forms of the coordinator's pages (`/t/<slug>/work/…`).

The background-check form has exactly two inputs: that the extract was
shown, and its issue date. Who saw it is the signed-in coordinator, and
when is now (Act 148/2014 allows nothing more to be kept).
"""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    DateField,
    DateTimeLocalField,
    IntegerField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, Length, NumberRange, Optional


class NoteForm(FlaskForm):
    text = TextAreaField(_l("Note"), validators=[DataRequired(), Length(max=5000)])


class BackgroundCheckForm(FlaskForm):
    shown = BooleanField(
        _l("I saw the extract from the criminal record."),
        validators=[DataRequired(message=_l("Tick the box only when you saw the extract."))],
    )
    extract_issued_on = DateField(_l("Issue date of the extract"), validators=[DataRequired()])


class EnrolForm(FlaskForm):
    session_id = SelectField(_l("Training session"), choices=[], validate_choice=True)


class ParticipantAcceptForm(FlaskForm):
    given_by = StringField(
        _l("Who accepted (e.g. the mother's name)"),
        validators=[DataRequired(), Length(max=200)],
    )


class EventForm(FlaskForm):
    programme_id = SelectField(_l("Programme"), choices=[], validate_choice=True)
    title = StringField(_l("Title"), validators=[DataRequired(), Length(max=200)])
    kind = SelectField(
        _l("Kind"),
        choices=[
            ("outing", _l("Outing")),
            ("group_meeting", _l("Group meeting")),
            ("other", _l("Other")),
        ],
    )
    starts_at = DateTimeLocalField(
        _l("Starts"), format="%Y-%m-%dT%H:%M", validators=[DataRequired()]
    )
    location = StringField(_l("Place"), validators=[Optional(), Length(max=200)])
    capacity = IntegerField(
        _l("Places"), validators=[DataRequired(), NumberRange(min=1, max=1000)], default=10
    )


class TrainingSessionForm(FlaskForm):
    curriculum_id = SelectField(_l("Training"), choices=[], validate_choice=True)
    starts_at = DateTimeLocalField(
        _l("Starts"), format="%Y-%m-%dT%H:%M", validators=[DataRequired()]
    )
    location = StringField(_l("Place"), validators=[Optional(), Length(max=200)])
    capacity = IntegerField(
        _l("Places"), validators=[DataRequired(), NumberRange(min=1, max=1000)], default=12
    )


class SupervisionGroupForm(FlaskForm):
    programme_id = SelectField(_l("Programme"), choices=[], validate_choice=True)
    name = StringField(_l("Group name"), validators=[DataRequired(), Length(max=200)])
    supervisor_name = StringField(
        _l("Supervisor (työnohjaaja)"), validators=[Optional(), Length(max=200)]
    )


class SupervisionSessionForm(FlaskForm):
    group_id = SelectField(_l("Group"), choices=[], validate_choice=True)
    starts_at = DateTimeLocalField(
        _l("Starts"), format="%Y-%m-%dT%H:%M", validators=[DataRequired()]
    )
    location = StringField(_l("Place"), validators=[Optional(), Length(max=200)])


class MemberForm(FlaskForm):
    volunteer_id = SelectField(_l("Volunteer"), choices=[], validate_choice=True)
