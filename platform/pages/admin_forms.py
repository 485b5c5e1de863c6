"""Forms and labels of the organisation admin's pages: people, sign-in, licences, billing."""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    DateField,
    EmailField,
    PasswordField,
    SelectField,
    StringField,
    TextAreaField,
    URLField,
)
from wtforms.validators import DataRequired, Email, InputRequired, Length, Optional

from tukiverkko.platform.identity.models import Role, UserStatus

ROLE_LABELS: dict[Role, Any] = {
    Role.OPERATOR: _l("Platform operator"),
    Role.OWNER_STAFF: _l("Model owner staff"),
    Role.TENANT_ADMIN: _l("Admin"),
    Role.COORDINATOR: _l("Coordinator"),
    Role.VOLUNTEER: _l("Volunteer"),
}

STATUS_LABELS: dict[UserStatus, Any] = {
    UserStatus.INVITED: _l("Invited"),
    UserStatus.ACTIVE: _l("Active"),
    UserStatus.DISABLED: _l("Disabled"),
}

LANGUAGE_CHOICES = [("fi", "suomi"), ("sv", "svenska"), ("en", "English")]

BILLING_STATE_LABELS: dict[str, Any] = {
    "free": _l("Free plan"),
    "trialing": _l("Trial"),
    "active": _l("Paid and active"),
    "past_due": _l("Payment failed"),
    "cancelled": _l("Subscription ended"),
}


class InviteForm(FlaskForm):
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=200)])
    email = EmailField(_l("Email"), validators=[DataRequired(), Email(), Length(max=254)])
    role = SelectField(_l("Role"), validators=[InputRequired()])
    language = SelectField(_l("Language of the emails"), choices=LANGUAGE_CHOICES)


class RoleForm(FlaskForm):
    role = SelectField(_l("New role"), validators=[InputRequired()])


class SsoForm(FlaskForm):
    issuer = URLField(
        _l("Issuer address"),
        validators=[DataRequired(), Length(max=255)],
        description=_l("The https address of your organisation's OpenID Connect provider."),
    )
    client_id = StringField(_l("Client ID"), validators=[DataRequired(), Length(max=255)])
    client_secret = PasswordField(
        _l("Client secret"),
        validators=[Optional(), Length(max=255)],
        description=_l("Leave empty to keep the stored secret. It is never shown again."),
    )
    enabled = BooleanField(_l("Sign-in with the provider is on"), default=True)
    allow_unknown_users = BooleanField(
        _l("Create a volunteer account for people who have not been invited")
    )


class ApplyForm(FlaskForm):
    model = SelectField(_l("Programme model"), validators=[InputRequired()])
    area = StringField(_l("Area"), validators=[DataRequired(), Length(max=200)])
    note = TextAreaField(_l("Message to the model owner"), validators=[Length(max=5000)])


class ResourcesForm(FlaskForm):
    resources = TextAreaField(
        _l("Resources for continuity (paid worker, premises, supervision)"),
        validators=[DataRequired(), Length(max=5000)],
    )


class ListingForm(FlaskForm):
    how_to_apply = TextAreaField(
        _l("How families and volunteers get in touch (shown on the national directory)"),
        validators=[Length(max=2000)],
    )


class EnrolForm(FlaskForm):
    course = SelectField(_l("Course"), validators=[InputRequired()])
    person = SelectField(_l("Coordinator"), validators=[InputRequired()])


class BillingDetailsForm(FlaskForm):
    billing_email = EmailField(
        _l("Billing email"), validators=[DataRequired(), Email(), Length(max=254)]
    )
    einvoice_address = StringField(
        _l("E-invoice address (OVT)"), validators=[Optional(), Length(max=35)]
    )
    einvoice_operator = StringField(
        _l("E-invoice operator ID"), validators=[Optional(), Length(max=35)]
    )


class CheckoutForm(FlaskForm):
    plan = SelectField(_l("Plan"), validators=[InputRequired()])


class ButtonForm(FlaskForm):
    """A button that needs only the CSRF token (disable, enable, remove…)."""


CHANGE_KINDS: dict[str, Any] = {
    "coordinator_changed": _l("The coordinator changed"),
    "contact_person_changed": _l("The contact person changed"),
    "activity_paused": _l("The activity is paused"),
    "activity_resumed": _l("The activity is resumed"),
    "other": _l("Something else"),
}

DUTY_STATES: dict[str, Any] = {
    "due": _l("Due"),
    "overdue": _l("Overdue"),
    "submitted": _l("Submitted"),
    "acknowledged": _l("Acknowledged"),
}


class ChangeForm(FlaskForm):
    """A change the partner reports to the model owner ("report changes immediately")."""

    kind = SelectField(
        _l("What changed"), choices=list(CHANGE_KINDS.items()), validators=[InputRequired()]
    )
    text = TextAreaField(_l("Details"), validators=[Length(max=2000)])
    effective_on = DateField(_l("From"), validators=[InputRequired()])


class YearlyReportForm(FlaskForm):
    narrative = TextAreaField(
        _l("What happened in the year, in your own words"),
        validators=[DataRequired(), Length(max=20_000)],
    )
