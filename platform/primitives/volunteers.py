"""The volunteer journey: application, interview, approval, pause, resume, end.

applied → interviewed → screened → trained → approved → active (matched);
paused and ended can be reached from any of them. Screening and training are
facts of their own (see `screening`, `training`): the stage before approval
is derived from them by `refresh_stage`, so the order in which a volunteer
shows the extract and finishes the course does not matter.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterable
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from tukiverkko.platform import audit, plugins
from tukiverkko.platform.db import utcnow
from tukiverkko.platform.errors import Conflict, ValidationFailed
from tukiverkko.platform.identity.models import Role, User, UserStatus
from tukiverkko.platform.primitives import consents, programmes
from tukiverkko.platform.primitives.models import (
    AVAILABILITY_SLOTS,
    OPEN_MATCH_STATUSES,
    ConsentPurpose,
    ConsentSubject,
    InterviewNote,
    Match,
    MatchStatus,
    Participant,
    ParticipantStatus,
    Programme,
    Volunteer,
    VolunteerStatus,
)

PRE_APPROVAL = frozenset(
    {
        VolunteerStatus.APPLIED,
        VolunteerStatus.INTERVIEWED,
        VolunteerStatus.SCREENED,
        VolunteerStatus.TRAINED,
    }
)
MATCHABLE = frozenset({VolunteerStatus.APPROVED, VolunteerStatus.ACTIVE})
POSTCODE = re.compile(r"^\d{5}$")
TAG = re.compile(r"^[a-z0-9][a-z0-9_-]{0,39}$")
# System reason of matches closed because their volunteer ended.
VOLUNTEER_ENDED_REASON = "volunteer_ended"

PROFILE_FIELDS = (
    "name",
    "email",
    "phone",
    "postcode",
    "languages",
    "interests",
    "availability",
    "capacity",
)


def normalise_tags(values: Iterable[str]) -> list[str]:
    """Lower-case, stripped, de-duplicated, in the given order."""
    seen: dict[str, None] = {}
    for value in values:
        seen.setdefault(value.strip().lower(), None)
    return [v for v in seen if v]


def clean_profile(values: dict[str, Any]) -> dict[str, Any]:
    """Normalise the matching fields and refuse values matching cannot read."""
    cleaned = dict(values)
    errors: dict[str, list[str]] = {}
    for key in ("languages", "interests", "availability"):
        if key in cleaned:
            cleaned[key] = normalise_tags(cleaned[key])
            if not all(TAG.match(t) for t in cleaned[key]):
                errors[key] = ["Short lower-case codes (letters, digits, - and _)."]
    if "availability" in cleaned and not set(cleaned["availability"]) <= set(AVAILABILITY_SLOTS):
        errors["availability"] = ["Slots such as 'mon_evening'."]
    if cleaned.get("postcode") and not POSTCODE.match(cleaned["postcode"]):
        errors["postcode"] = ["Five digits."]
    if errors:
        raise ValidationFailed(
            "Some fields are not valid.", code="validation_failed", errors={"json": errors}
        )
    return cleaned


def apply_as_volunteer(
    db: Session,
    programme: Programme,
    *,
    consent_processing: bool,
    consent_background_check: bool,
    background_check_notice_acknowledged: bool,
    recorded_by: uuid.UUID | None = None,
    **profile: Any,
) -> Volunteer:
    """A volunteer application: the volunteer record and the consents it rests on.

    The applicant must consent to their data being kept; where the programme
    requires the background check, they must have seen the notice that it
    will be asked for (Act 148/2014 wants recruitment to say so) and consent
    to it, since checking rests on the volunteer's consent.
    """
    programmes.require_new_work(db, programme, "intake")
    if not consent_processing:
        raise ValidationFailed(
            "Consent to keeping the applicant's data is needed.",
            code="consent_required",
            errors={"json": {"consent_processing": ["Must be true."]}},
        )
    if programme.background_check_required and not (
        background_check_notice_acknowledged and consent_background_check
    ):
        raise ValidationFailed(
            "This programme asks volunteers to show a criminal-record extract.",
            code="background_check_acknowledgement_required",
            errors={
                "json": {
                    "background_check_notice_acknowledged": ["Must be true."],
                    "consent_background_check": ["Must be true."],
                }
            },
        )
    volunteer = Volunteer(
        programme_id=programme.id,
        status=VolunteerStatus.APPLIED,
        status_changed_at=utcnow(),
        **clean_profile(profile),
    )
    db.add(volunteer)
    db.flush()
    wanted = [ConsentPurpose.PROCESSING]
    if consent_background_check:
        wanted.append(ConsentPurpose.BACKGROUND_CHECK)
    for purpose in wanted:
        consents.record_consent(
            db,
            subject_type=ConsentSubject.VOLUNTEER,
            subject_id=volunteer.id,
            purpose=purpose,
            given_by="self",
            recorded_by=recorded_by,
        )
    audit.record(
        db,
        "volunteer_applied",
        actor_id=recorded_by,
        target_type="volunteer",
        target_id=volunteer.id,
    )
    return volunteer


def update_profile(db: Session, volunteer: Volunteer, changes: dict[str, Any]) -> Volunteer:
    """Correct one's data (the volunteer) or a coordinator's edit. Ended records stay."""
    _require_not_ended(volunteer)
    for key, value in clean_profile(changes).items():
        if key not in PROFILE_FIELDS:
            raise KeyError(key)  # schemas only pass profile fields: a programming error
        setattr(volunteer, key, value)
    return volunteer


def _set_status(volunteer: Volunteer, status: VolunteerStatus) -> None:
    if volunteer.status != status:
        volunteer.status = status
        volunteer.status_changed_at = utcnow()


def refresh_stage(volunteer: Volunteer, programme: Programme) -> None:
    """Derive the stage before approval from the recorded facts.

    Applied stays applied until an interview; after it, a recorded check
    makes "screened", and completed training (with the check, where the
    programme requires it) makes "trained".
    """
    target = volunteer.status
    if target == VolunteerStatus.PAUSED:
        target = volunteer.status_before_pause or VolunteerStatus.APPLIED
    if target not in PRE_APPROVAL or target == VolunteerStatus.APPLIED:
        return
    checked = volunteer.check_recorded_at is not None
    trained = volunteer.training_completed_at is not None or not programme.training_required
    if trained and (checked or not programme.background_check_required):
        stage = VolunteerStatus.TRAINED
    elif checked:
        stage = VolunteerStatus.SCREENED
    else:
        stage = VolunteerStatus.INTERVIEWED
    if volunteer.status == VolunteerStatus.PAUSED:
        volunteer.status_before_pause = stage
    else:
        _set_status(volunteer, stage)


def add_interview_note(
    db: Session, volunteer: Volunteer, programme: Programme, *, author_id: uuid.UUID, text: str
) -> InterviewNote:
    """Record an interview; the first one moves an applicant to "interviewed"."""
    _require_not_ended(volunteer)
    note = InterviewNote(volunteer_id=volunteer.id, author_id=author_id, text=text)
    db.add(note)
    if volunteer.status == VolunteerStatus.APPLIED:
        _set_status(volunteer, VolunteerStatus.INTERVIEWED)
        refresh_stage(volunteer, programme)
    elif volunteer.status == VolunteerStatus.PAUSED and volunteer.status_before_pause in (
        None,
        VolunteerStatus.APPLIED,
    ):
        volunteer.status_before_pause = VolunteerStatus.INTERVIEWED
        refresh_stage(volunteer, programme)
    return note


def approve(
    db: Session, volunteer: Volunteer, programme: Programme, *, actor_id: uuid.UUID
) -> Volunteer:
    """Approve a volunteer for matching once interview, training and check allow it."""
    _require_not_ended(volunteer)
    if volunteer.status == VolunteerStatus.PAUSED:
        raise Conflict("The volunteer has paused.", code="volunteer_paused")
    if volunteer.status in MATCHABLE:
        raise Conflict("The volunteer is already approved.", code="volunteer_already_approved")
    if volunteer.status == VolunteerStatus.APPLIED:
        raise Conflict("Interview the volunteer first.", code="volunteer_not_interviewed")
    if programme.training_required and volunteer.training_completed_at is None:
        raise Conflict("The volunteer has not completed training.", code="training_incomplete")
    if programme.background_check_required and volunteer.check_recorded_at is None:
        raise Conflict(
            "This programme requires the background check before approval.",
            code="background_check_missing",
        )
    # Last, so the journey's own gates answer first; then the model's rules
    # (Mieskaverit®: an adult man) from the programme's module.
    plugins.require_volunteer_eligible(db, programme, volunteer)
    # The plan's ceiling on active volunteers (issue 10; no-op with billing off).
    from tukiverkko.tenants.billing.service import require_volunteer_place

    require_volunteer_place(db, volunteer.tenant_id)
    _set_status(volunteer, VolunteerStatus.APPROVED)
    volunteer.approved_at = utcnow()
    audit.record(
        db, "volunteer_approved", actor_id=actor_id, target_type="volunteer", target_id=volunteer.id
    )
    return volunteer


def pause(db: Session, volunteer: Volunteer, *, actor_id: uuid.UUID) -> Volunteer:
    """Take a break (the volunteer's right, at any time). Matches stay as they are."""
    _require_not_ended(volunteer)
    if volunteer.status == VolunteerStatus.PAUSED:
        raise Conflict("The volunteer has already paused.", code="volunteer_already_paused")
    volunteer.status_before_pause = volunteer.status
    _set_status(volunteer, VolunteerStatus.PAUSED)
    audit.record(
        db, "volunteer_paused", actor_id=actor_id, target_type="volunteer", target_id=volunteer.id
    )
    return volunteer


def resume(
    db: Session, volunteer: Volunteer, programme: Programme, *, actor_id: uuid.UUID
) -> Volunteer:
    """Come back from a break to where the volunteer was."""
    if volunteer.status != VolunteerStatus.PAUSED:
        raise Conflict("The volunteer has not paused.", code="volunteer_not_paused")
    _set_status(volunteer, volunteer.status_before_pause or VolunteerStatus.APPLIED)
    volunteer.status_before_pause = None
    refresh_stage(volunteer, programme)
    audit.record(
        db, "volunteer_resumed", actor_id=actor_id, target_type="volunteer", target_id=volunteer.id
    )
    return volunteer


def end(
    db: Session,
    volunteer: Volunteer,
    *,
    reason: str,
    actor_id: uuid.UUID,
    by_volunteer: bool,
) -> Volunteer:
    """End the volunteering: the volunteer quits (their right) or a coordinator ends it.

    Nothing is deleted. Open matches close with the system reason
    `volunteer_ended`, and their participants wait for a new volunteer.
    """
    _require_not_ended(volunteer)
    if not by_volunteer and not reason.strip():
        raise ValidationFailed(
            "Say why the volunteering ends.",
            code="reason_required",
            errors={"json": {"reason": ["Required."]}},
        )
    now = utcnow()
    open_matches = db.scalars(
        select(Match).where(
            Match.volunteer_id == volunteer.id, Match.status.in_(OPEN_MATCH_STATUSES)
        )
    ).all()
    for match in open_matches:
        match.status = (
            MatchStatus.DECLINED if match.status == MatchStatus.PROPOSED else MatchStatus.CLOSED
        )
        match.closed_at = now
        match.close_reason = VOLUNTEER_ENDED_REASON
        participant = db.get(Participant, match.participant_id)
        if participant is not None and participant.status == ParticipantStatus.MATCHED:
            participant.status = ParticipantStatus.WAITING
            participant.status_changed_at = now
    volunteer.status_before_pause = None
    _set_status(volunteer, VolunteerStatus.ENDED)
    volunteer.end_reason = reason.strip() or "quit"
    audit.record(
        db,
        "volunteer_quit" if by_volunteer else "volunteer_ended",
        actor_id=actor_id,
        target_type="volunteer",
        target_id=volunteer.id,
        reason=volunteer.end_reason,
        closed_matches=len(open_matches),
    )
    return volunteer


def link_account(
    db: Session, volunteer: Volunteer, user_id: uuid.UUID, *, actor_id: uuid.UUID
) -> Volunteer:
    """Link the volunteer record to the person's volunteer account in this organisation."""
    _require_not_ended(volunteer)
    user = db.get(User, user_id)  # the tenant filter hides other organisations' accounts
    if user is None or user.role != Role.VOLUNTEER or user.status == UserStatus.DISABLED:
        raise ValidationFailed(
            "Link to an account of a volunteer of this organisation.",
            code="not_a_volunteer_account",
            errors={"json": {"user_id": ["Not a volunteer account here."]}},
        )
    taken = db.scalar(
        select(Volunteer.id).where(
            Volunteer.user_id == user_id,
            Volunteer.programme_id == volunteer.programme_id,
            Volunteer.id != volunteer.id,
            Volunteer.status != VolunteerStatus.ENDED,
        )
    )
    if taken is not None:
        raise Conflict(
            "That account is already a volunteer of this programme.",
            code="account_already_linked",
        )
    volunteer.user_id = user_id
    audit.record(
        db,
        "volunteer_account_linked",
        actor_id=actor_id,
        target_type="volunteer",
        target_id=volunteer.id,
        user_id=str(user_id),
    )
    return volunteer


def _require_not_ended(volunteer: Volunteer) -> None:
    if volunteer.status == VolunteerStatus.ENDED:
        raise Conflict("The volunteering has ended.", code="volunteer_ended")
