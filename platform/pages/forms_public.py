"""Forms of the public pages: a volunteer applying, a guardian asking for support.

Flask-WTF forms: CSRF on, WTForms' own messages in the reader's language
(Flask-WTF's i18n), ours through `_l()`. The forms only collect; the rules
(consents, the background-check notice, who may apply) are the services'.
"""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, EmailField, IntegerField, StringField, TelField
from wtforms.validators import DataRequired, Email, Length, NumberRange, Optional, Regexp

POSTCODE = Regexp(r"^(\d{5})?$", message=_l("Five digits, e.g. 20100."))


def tags(value: str | None) -> list[str]:
    """A comma-separated field as the list the services take."""
    return [part.strip() for part in (value or "").split(",") if part.strip()]


class VolunteerApplicationForm(FlaskForm):
    name = StringField(_l("Your name"), validators=[DataRequired(), Length(max=200)])
    email = EmailField(_l("Email"), validators=[DataRequired(), Email(), Length(max=254)])
    phone = TelField(_l("Phone"), validators=[Optional(), Length(max=40)])
    postcode = StringField(_l("Postcode"), validators=[Optional(), POSTCODE])
    languages = StringField(
        _l("Languages you speak (comma-separated, e.g. fi, sv)"),
        validators=[Optional(), Length(max=400)],
    )
    interests = StringField(
        _l("Interests (comma-separated, e.g. football, music)"),
        validators=[Optional(), Length(max=400)],
    )
    consent_processing = BooleanField(
        _l("I agree that the organisation keeps my details for this programme."),
        validators=[DataRequired(message=_l("Your consent is needed to apply."))],
    )
    background_check_notice_acknowledged = BooleanField(
        _l("I have read that I will be asked to show an extract from the criminal record.")
    )
    consent_background_check = BooleanField(_l("I agree to show the extract before I start."))


class SupportApplicationForm(FlaskForm):
    """A mother (or other guardian) asking for a buddy for her child, or a person for themself."""

    name = StringField(
        _l("First name of the child (or of the person the support is for)"),
        validators=[DataRequired(), Length(max=200)],
    )
    birth_year = IntegerField(
        _l("Year of birth"), validators=[Optional(), NumberRange(min=1900, max=2100)]
    )
    postcode = StringField(_l("Postcode"), validators=[Optional(), POSTCODE])
    interests = StringField(
        _l("What the child likes to do (comma-separated)"),
        validators=[Optional(), Length(max=400)],
    )
    contact_name = StringField(_l("Your name"), validators=[DataRequired(), Length(max=200)])
    contact_phone = TelField(_l("Phone"), validators=[Optional(), Length(max=40)])
    contact_email = EmailField(_l("Email"), validators=[Optional(), Email(), Length(max=254)])
    consent_processing = BooleanField(
        _l(
            "I apply myself and agree that the organisation keeps these details for the "
            "programme. The contact details go to a volunteer only when I accept the match."
        ),
        validators=[DataRequired(message=_l("Your consent is needed to apply."))],
    )
