"""The public sign-up form of an organisation (Flask-WTF: CSRF, errors in the reader's language)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import EmailField, SelectField, StringField
from wtforms.validators import DataRequired, Email, InputRequired, Length, Optional, Regexp

from tukiverkko.platform.pages.admin_forms import LANGUAGE_CHOICES


class SignupForm(FlaskForm):
    """Field names are those of `tenants.signup.sign_up`, so its field errors land here."""

    name = StringField(_l("Name of the organisation"), validators=[DataRequired(), Length(max=200)])
    slug = StringField(
        _l("Web address"),
        validators=[
            DataRequired(),
            Length(max=63),
            Regexp(
                r"^[a-z0-9](?:[a-z0-9-]*[a-z0-9])?$",
                message=_l("Use lowercase letters, digits and hyphens."),
            ),
        ],
        description=_l("Your pages will be at /t/<address>, for example /t/tsemppi-turku."),
    )
    business_id = StringField(
        _l("Business ID (Y-tunnus)"),
        validators=[DataRequired(), Length(max=9)],
        description=_l("For example 1234567-8."),
    )
    municipality = StringField(_l("Municipality"), validators=[DataRequired(), Length(max=100)])
    contact_name = StringField(_l("Contact person"), validators=[DataRequired(), Length(max=200)])
    contact_email = EmailField(
        _l("Contact person's email"),
        validators=[DataRequired(), Email(), Length(max=254)],
        description=_l("The confirmation link goes here; this person becomes the first admin."),
    )
    billing_email = EmailField(
        _l("Billing email"), validators=[DataRequired(), Email(), Length(max=254)]
    )
    einvoice_address = StringField(
        _l("E-invoice address (OVT), optional"), validators=[Optional(), Length(max=35)]
    )
    einvoice_operator = StringField(
        _l("E-invoice operator ID, optional"), validators=[Optional(), Length(max=35)]
    )
    plan = SelectField(_l("Plan"), validators=[InputRequired()])
    language = SelectField(_l("Language"), choices=LANGUAGE_CHOICES)


class ConfirmForm(FlaskForm):
    """The button that confirms a sign-up (a link opened by a mail scanner changes nothing)."""
