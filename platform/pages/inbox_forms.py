"""Forms and labels of the notifications inbox."""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField

from tukiverkko.platform.notifications import Channel

# What each kind of notification is about, as people say it. A kind without a
# label here (a new module's) shows its technical name until one is added.
KIND_LABELS: dict[str, Any] = {
    "announcement": _l("Announcements"),
    "invitation": _l("Invitations"),
    "password_reset": _l("Password reset links"),
    "email_verification": _l("Email address confirmations"),
    "application_received": _l("Confirmation of an application"),
    "volunteer_applied": _l("A new volunteer applied"),
    "match_proposed": _l("A match is proposed"),
    "match_accepted": _l("A match is accepted"),
    "match_closed": _l("A match has ended"),
    "training_reminder": _l("Training reminders"),
    "interview_reminder": _l("Interview reminders"),
    "participant_application_received": _l("Confirmation of a request for support"),
    "closing_survey_offered": _l("A survey at the end of a match"),
    "volunteer_absence_reported": _l("A volunteer reported an absence"),
    "volunteer_details_changed": _l("A volunteer changed their details"),
    "event_reminder": _l("Event reminders"),
    "supervision_reminder": _l("Supervision reminders"),
    "background_check_expiring": _l("Background checks about to expire"),
    "licence_conditions_open": _l("Licence conditions still open"),
    "cadence_warning": _l("Matches that have not met enough"),
    "event_place_confirmed": _l("A place at an event is confirmed"),
    "licence_changed": _l("Changes of a licence"),
    "licence_change_reported": _l("Changes reported by a partner"),
    "yearly_report_submitted": _l("Yearly reports submitted"),
    "yearly_report_overdue": _l("Yearly reports overdue"),
    "billing_past_due": _l("Payment failed"),
    "billing_grace_reminder": _l("Payment reminder"),
    "billing_read_only": _l("Read-only mode"),
    "billing_restored": _l("Payment settled"),
    "signup_confirmation": _l("Sign-up confirmation"),
}

CHANNEL_LABELS: dict[str, Any] = {
    Channel.EMAIL.value: _l("Email"),
    Channel.IN_APP.value: _l("In Tukiverkko"),
}


def kind_label(name: str) -> str:
    """The label of a kind in the reader's language."""
    label = KIND_LABELS.get(name)
    return str(label) if label is not None else name.replace("_", " ")


class ButtonForm(FlaskForm):
    """A button that needs only the CSRF token (mark read)."""


def field_name(kind: str, channel: str) -> str:
    return f"{kind}__{channel}"


def preferences_form(items: list[dict[str, Any]], channels: dict[str, set[str]]) -> FlaskForm:
    """A form with one checkbox per kind and channel it can be delivered on.

    `items` are `notifications.preferences()` rows; `channels` maps a kind to
    the channels it has. Essential kinds get no checkbox: they cannot be
    turned off, and the page says so.
    """

    class PreferencesForm(FlaskForm):
        pass

    for item in items:
        if item["essential"]:
            continue
        for channel in sorted(channels.get(item["kind"], ())):
            setattr(
                PreferencesForm,
                field_name(item["kind"], channel),
                BooleanField(
                    f"{kind_label(item['kind'])}: {CHANNEL_LABELS[channel]}",
                    default=item[channel],
                ),
            )
    return PreferencesForm()
