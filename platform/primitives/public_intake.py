"""The public participant application: the guardian herself, or the adult herself, applies.

Next to the public volunteer application. The programme opens the form
(`accepts_participant_applications`); the programme's intake sources and
the module's rules apply as to any intake (`intake.start_intake`): a
referral into Mieskaverit®, which starts only on the mother's own
initiative, is refused with `intake_source_not_allowed`. The applicant
consents to the data being kept; the fields are the minimum a coordinator
needs to call back; the coordinators are notified (without names in the
email). Anonymous submissions are rate-limited (`rate_limits`).
"""

from __future__ import annotations

from typing import Any

from flask_babel import gettext as _
from sqlalchemy.orm import Session

from tukiverkko.platform import audit
from tukiverkko.platform.errors import Conflict, ValidationFailed
from tukiverkko.platform.notifications import Channel, kind, notify
from tukiverkko.platform.primitives import intake, programmes
from tukiverkko.platform.primitives.models import (
    IntakeSource,
    Participant,
    ParticipantKind,
    Programme,
)
from tukiverkko.platform.primitives.volunteer_reports import coordinators


def apply_as_participant(
    db: Session,
    programme: Programme,
    *,
    source: IntakeSource,
    kind: ParticipantKind,
    consent_processing: bool,
    applicant_name: str,
    referrer_organisation: str = "",
    **fields: Any,
) -> Participant:
    """Take in an application sent without sign-in, if the programme takes them."""
    if not programme.accepts_participant_applications:
        raise Conflict("Applications are closed.", code="applications_closed")
    if not consent_processing:
        raise ValidationFailed(
            "Consent to keeping the application's data is needed.",
            code="consent_required",
            errors={"json": {"consent_processing": ["Must be true."]}},
        )
    if not (fields.get("contact_phone") or fields.get("contact_email")):
        raise ValidationFailed(
            "Give a phone number or an email address, so that we can call you back.",
            code="contact_required",
            errors={"json": {"contact_phone": ["A phone number or an email address."]}},
        )
    applicant_name = applicant_name.strip()
    participant = intake.start_intake(
        db,
        programme,
        source=source,
        kind=kind,
        # The guardian consents by name; an adult applying for themself is "self".
        consent_given_by="self" if source == IntakeSource.SELF else applicant_name,
        recorded_by=None,
        referrer_organisation=referrer_organisation,
        contact_name=applicant_name,
        **fields,
    )
    for user_id in coordinators(db):
        notify(
            db,
            "participant_application_received",
            user_id=user_id,
            params={"programme": programme.name, "source": source.value},
            delivery_key=f"participant_application_received:{participant.id}:{user_id}",
        )
    return participant


def next_steps(programme: Programme) -> str:
    """What the applicant is told happens next (shown after sending)."""
    return _(
        "Thank you. Your application to %(programme)s has been received. A coordinator will "
        "contact you by phone or email to agree on a first meeting. Only the programme's "
        "coordinators see your details, and you can withdraw your consent at any time by "
        "telling them.",
        programme=programme.name,
    )


@kind("participant_application_received", channels=(Channel.EMAIL, Channel.IN_APP))
def _render_received(params: dict[str, Any]) -> tuple[str, str]:
    subject = _("New application to %(programme)s", programme=params["programme"])
    body = _(
        "Hello,\n\nA new participant application to %(programme)s has arrived through the "
        "public form. It is waiting in Tukiverkko under participants.",
        programme=params["programme"],
    )
    return subject, body


def open_participant_applications(
    db: Session, programme: Programme, *, accept: bool, actor_id: Any
) -> Programme:
    """Open or close the public participant form; opening is new intake work (licence)."""
    if accept:
        programmes.require_new_work(db, programme, "intake")
    programme.accepts_participant_applications = accept
    audit.record(
        db,
        "participant_applications_opened" if accept else "participant_applications_closed",
        actor_id=actor_id,
        target_type="programme",
        target_id=programme.id,
    )
    return programme
