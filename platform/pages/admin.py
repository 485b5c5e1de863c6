"""The organisation admin's pages: people and roles, single sign-on, licences, billing.

`/t/<slug>/admin/…` for people, sign-in and licences; `/t/<slug>/billing` for
the plan (Stripe sends people back there after Checkout and the portal).
Views are thin: the same services as the API (`identity/users.py`,
`identity/sso.py`, `tenants/licensing.py`, `courses.py`, `materials.py`,
`tenants/billing/`), one unit of work per write, and a service's problem is
shown on the form in the reader's language.
"""

from __future__ import annotations

import uuid
from typing import Any

from flask import abort, current_app, flash, g, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import Session
from werkzeug.wrappers import Response

from tukiverkko.platform import context
from tukiverkko.platform.db import get_or_404, unit_of_work
from tukiverkko.platform.encryption import current_keyring
from tukiverkko.platform.errors import Problem
from tukiverkko.platform.identity import emails, sso, users
from tukiverkko.platform.identity.models import Role, User, UserStatus
from tukiverkko.platform.identity.service import ROLES_BY_TENANT_KIND, Principal
from tukiverkko.platform.pages.admin_forms import (
    BILLING_STATE_LABELS,
    CHANGE_KINDS,
    DUTY_STATES,
    ROLE_LABELS,
    STATUS_LABELS,
    ApplyForm,
    BillingDetailsForm,
    ButtonForm,
    ChangeForm,
    CheckoutForm,
    EnrolForm,
    InviteForm,
    ListingForm,
    ResourcesForm,
    RoleForm,
    SsoForm,
    YearlyReportForm,
)
from tukiverkko.platform.pages.frame import (
    FORM_NOT_VALID,
    nav_item,
    signed_in,
    tenant_pages,
)
from tukiverkko.platform.pages.frame import (
    page_cursor as _cursor,
)
from tukiverkko.platform.pages.frame import (
    signed_in_principal as _principal,
)
from tukiverkko.platform.pages.owner_forms import (
    CONDITION,
    FIGURES,
    LICENCE_STATUS,
    MATERIAL_KIND,
)
from tukiverkko.platform.pages.problem_text import problem_message, show_problem
from tukiverkko.platform.pagination import paginate
from tukiverkko.platform.permissions import GRANTABLE_ROLES, Permission, allows
from tukiverkko.platform.storage import current_storage
from tukiverkko.tenants import courses, duties, licensing, materials
from tukiverkko.tenants.duties_models import ChangeKind, ChangeReport
from tukiverkko.tenants.licensing import Actor
from tukiverkko.tenants.licensing_models import (
    CourseEnrolment,
    Licence,
    ModelCourse,
    ModelMaterial,
    ProgrammeModel,
)
from tukiverkko.tenants.models import Tenant

blp = tenant_pages("admin_pages", __name__, "/admin")
billing_blp = tenant_pages("billing_pages", __name__, "/billing")
BLUEPRINTS = [blp, billing_blp]

PAGE_SIZE = 25

nav_item(_l("People"), "admin_pages.users", Permission.MANAGE_USERS, 60)
nav_item(_l("Single sign-on"), "admin_pages.sso_settings", Permission.MANAGE_SSO, 61)
nav_item(_l("Licences"), "admin_pages.licences", Permission.APPLY_LICENCES, 62)
nav_item(_l("Billing"), "billing_pages.billing", Permission.READ_BILLING, 63)

LABELS = {
    "role": ROLE_LABELS,
    "user_status": STATUS_LABELS,
    "status": LICENCE_STATUS,
    "condition": CONDITION,
    "material_kind": MATERIAL_KIND,
    "billing_state": BILLING_STATE_LABELS,
    "change_kind": CHANGE_KINDS,
    "duty_state": DUTY_STATES,
    "figures": FIGURES,
}


def _actor() -> Actor:
    principal = _principal()
    return Actor(principal.user_id, principal.tenant_id)


def _render(template: str, status: int = 200, **values: Any) -> tuple[str, int]:
    return render_template(template, labels=LABELS, **values), status


def _role_choices(principal: Principal) -> list[tuple[str, str]]:
    """Roles this person may hand out that exist in this kind of organisation."""
    tenant: Tenant = g.tenant
    possible = GRANTABLE_ROLES[principal.role] & ROLES_BY_TENANT_KIND[tenant.kind]
    return [(r.value, str(ROLE_LABELS[r])) for r in Role if r in possible]


# --- people and roles -------------------------------------------------------


def _users_page(form: InviteForm, error: str | None = None, status: int = 200) -> Any:
    with unit_of_work() as db:
        page = paginate(
            db, select(User), created=User.created_at, ident=User.id, limit=PAGE_SIZE,
            cursor=_cursor(),
        )  # fmt: skip
        return _render(
            "pages/admin/users.html",
            status,
            people=page["items"],
            next_cursor=page["next_cursor"],
            form=form,
            error=error,
        )


@blp.route("/users", methods=["GET", "POST"], endpoint="users")
@signed_in(Permission.MANAGE_USERS)
def users_page() -> Any:
    """The organisation's accounts, newest first, and a form to invite someone."""
    principal = _principal()
    form = InviteForm()
    form.role.choices = _role_choices(principal)
    if not form.is_submitted():
        form.language.data = form.language.data or str(principal.language)
        return _users_page(form)
    if not form.validate():
        return _users_page(form, str(FORM_NOT_VALID), 422)
    try:
        with unit_of_work() as db:
            user, token = users.invite_user(
                db,
                principal,
                email=form.email.data or "",
                name=form.name.data or "",
                role=Role(form.role.data),
                language=form.language.data or "fi",
            )
            tenant = db.get(Tenant, principal.tenant_id)
            assert tenant is not None
            # In the same transaction: the email goes out iff the account is committed.
            emails.send_invitation(
                db, user=user, tenant_name=tenant.name, tenant_slug=tenant.slug, token=token
            )
    except Problem as problem:
        return _users_page(form, show_problem(form, problem), problem.status)
    flash(_("The invitation is on its way to %(email)s.", email=form.email.data))
    return redirect(url_for(".users"))


def _user_page(
    user_id: uuid.UUID, form: RoleForm | None = None, error: str | None = None, status: int = 200
) -> Any:
    principal = _principal()
    with unit_of_work() as db:
        person = get_or_404(db, User, user_id)
        if form is None:
            form = RoleForm(formdata=None, role=person.role.value)
        form.role.choices = _role_choices(principal)
        return _render(
            "pages/admin/user.html",
            status,
            person=person,
            form=form,
            button=ButtonForm(),
            error=error,
            is_self=person.id == principal.user_id,
            disabled=person.status == UserStatus.DISABLED,
        )


@blp.get("/users/<uuid:user_id>")
@signed_in(Permission.MANAGE_USERS)
def user(user_id: uuid.UUID) -> Any:
    """One account: its role and whether it may sign in."""
    return _user_page(user_id)


@blp.post("/users/<uuid:user_id>/role")
@signed_in(Permission.MANAGE_USERS)
def change_role(user_id: uuid.UUID) -> Any:
    """Give a person another role (it takes effect at their next sign-in)."""
    principal = _principal()
    form = RoleForm()
    form.role.choices = _role_choices(principal)
    if not form.validate_on_submit():
        return _user_page(user_id, form, str(FORM_NOT_VALID), 422)
    try:
        with unit_of_work() as db:
            users.change_role(db, principal, get_or_404(db, User, user_id), Role(form.role.data))
    except Problem as problem:
        return _user_page(user_id, form, show_problem(form, problem), problem.status)
    flash(_("The role is changed."))
    return redirect(url_for(".user", user_id=user_id))


def _toggle(user_id: uuid.UUID, disabled: bool) -> Any:
    if not ButtonForm().validate_on_submit():
        abort(400)
    try:
        with unit_of_work() as db:
            users.set_disabled(db, _principal(), get_or_404(db, User, user_id), disabled)
    except Problem as problem:
        return _user_page(user_id, error=problem_message(problem), status=problem.status)
    flash(_("The account is disabled.") if disabled else _("The account is enabled again."))
    return redirect(url_for(".user", user_id=user_id))


@blp.post("/users/<uuid:user_id>/disable")
@signed_in(Permission.MANAGE_USERS)
def disable(user_id: uuid.UUID) -> Any:
    """Disable an account: signed out everywhere, no sign-in; nothing is deleted."""
    return _toggle(user_id, True)


@blp.post("/users/<uuid:user_id>/enable")
@signed_in(Permission.MANAGE_USERS)
def enable(user_id: uuid.UUID) -> Any:
    """Let a disabled account sign in again."""
    return _toggle(user_id, False)


# --- single sign-on ---------------------------------------------------------


def _allow_http_loopback() -> bool:
    # As the API: plain http to loopback only where the provider runs beside us.
    return current_app.config["TUKIVERKKO_SETTINGS"].env in ("development", "test")


@blp.route("/sso", methods=["GET", "POST"], endpoint="sso_settings")
@signed_in(Permission.MANAGE_SSO)
def sso_settings() -> Any:
    """The organisation's own OpenID Connect provider (the secret is never shown)."""
    principal = _principal()
    with unit_of_work() as db:
        provider = sso.get_provider(db)
        configured = provider is not None
        stored = (
            {
                "issuer": provider.issuer,
                "client_id": provider.client_id,
                "enabled": provider.enabled,
                "allow_unknown_users": provider.allow_unknown_users,
            }
            if provider is not None
            else {}
        )
    form = SsoForm(data=stored)  # what was typed wins over what is stored
    error, status = None, 200
    if form.is_submitted():
        if form.validate():
            try:
                with unit_of_work() as db:
                    sso.save_provider(
                        db,
                        principal,
                        issuer=form.issuer.data or "",
                        client_id=form.client_id.data or "",
                        client_secret=form.client_secret.data or None,
                        enabled=bool(form.enabled.data),
                        allow_unknown_users=bool(form.allow_unknown_users.data),
                        keyring=current_keyring(),
                        allow_http_loopback=_allow_http_loopback(),
                    )
            except Problem as problem:
                error, status = show_problem(form, problem), problem.status
            else:
                flash(_("The single sign-on settings are saved."))
                return redirect(url_for(".sso_settings"))
        else:
            error, status = str(FORM_NOT_VALID), 422
    form.client_secret.data = ""  # never echoed back
    return _render(
        "pages/admin/sso.html",
        status,
        form=form,
        error=error,
        configured=configured,
        button=ButtonForm(),
        redirect_uri=url_for("tenant_web.sso_callback", _external=True),
    )


@blp.post("/sso/delete")
@signed_in(Permission.MANAGE_SSO)
def sso_delete() -> Response:
    """Remove the provider; password sign-in keeps working."""
    if not ButtonForm().validate_on_submit():
        abort(400)
    try:
        with unit_of_work() as db:
            sso.delete_provider(db, _principal())
    except Problem as problem:
        flash(problem_message(problem), "error")
    else:
        flash(_("Single sign-on is removed. People sign in with their password."))
    return redirect(url_for(".sso_settings"))


# --- licences held ----------------------------------------------------------


def _catalogue(db: Session) -> list[tuple[str, str]]:
    models = db.scalars(select(ProgrammeModel).order_by(ProgrammeModel.name))
    return [(str(m.id), f"{m.name} ({m.owner.name})") for m in models]


def _licences_page(form: ApplyForm, error: str | None = None, status: int = 200) -> Any:
    principal = _principal()
    stmt = select(Licence).where(Licence.partner_tenant_id == principal.tenant_id)
    with unit_of_work() as db:
        page = paginate(
            db, stmt, created=Licence.created_at, ident=Licence.id, limit=PAGE_SIZE,
            cursor=_cursor(),
        )  # fmt: skip
        return _render(
            "pages/admin/licences.html",
            status,
            licences=page["items"],
            next_cursor=page["next_cursor"],
            form=form,
            error=error,
        )


@blp.route("/licences", methods=["GET", "POST"], endpoint="licences")
@signed_in(Permission.APPLY_LICENCES)
def licences_page() -> Any:
    """Licences the organisation holds or has applied for, and a form to apply."""
    form = ApplyForm()
    with unit_of_work() as db:
        form.model.choices = _catalogue(db)
    if not form.is_submitted():
        return _licences_page(form)
    if not form.validate():
        return _licences_page(form, str(FORM_NOT_VALID), 422)
    try:
        with context.cross_tenant("licence application"), unit_of_work() as db:
            licence = licensing.apply_for_licence(
                db,
                actor=_actor(),
                model_id=uuid.UUID(form.model.data),
                area=form.area.data or "",
                note=form.note.data or "",
            )
            licence_id = licence.id
    except Problem as problem:
        return _licences_page(form, show_problem(form, problem), problem.status)
    flash(_("The application is sent to the model owner."))
    return redirect(url_for(".licence", licence_id=licence_id))


def _licence_page(
    licence_id: uuid.UUID,
    forms: dict[str, Any] | None = None,
    error: str | None = None,
    status: int = 200,
) -> Any:
    principal = _principal()
    forms = forms or {}
    with unit_of_work() as db:
        licence = get_or_404(db, Licence, licence_id)
        upcoming = courses.upcoming_courses(db, [licence.model_id])
        trainable = db.scalars(
            select(User)
            .where(User.role.in_(courses.TRAINABLE_ROLES), User.status == UserStatus.ACTIVE)
            .order_by(User.name)
        ).all()
        enrol = forms.get("enrol") or EnrolForm(formdata=None)
        enrol.course.choices = [
            (str(c.id), f"{c.model.name}, {c.place}, {c.starts_at:%Y-%m-%d}") for c in upcoming
        ]
        enrol.person.choices = [(str(p.id), p.name or p.email) for p in trainable]
        enrolments = db.scalars(
            select(CourseEnrolment)
            .join(ModelCourse, ModelCourse.id == CourseEnrolment.course_id)
            .where(
                ModelCourse.model_id == licence.model_id,
                CourseEnrolment.partner_tenant_id == principal.tenant_id,
            )
            .order_by(CourseEnrolment.enrolled_at.desc())
        ).all()
        folder = db.scalars(
            select(ModelMaterial)
            .where(ModelMaterial.model_id == licence.model_id)
            .order_by(ModelMaterial.kind, ModelMaterial.title)
        ).all()
        changes = db.scalars(
            select(ChangeReport)
            .where(ChangeReport.licence_id == licence.id)
            .order_by(ChangeReport.created_at.desc())
        ).all()
        year = duties.default_year()
        model = db.get(ProgrammeModel, licence.model_id)
        assert model is not None
        report = duties.report_of(db, licence.id, year)
        due = duties.due_on(model, licence, year)
        duty = {
            "year": year,
            "due_on": due,
            "state": duties.state_of(report, due, licensing.today()),
            "report": report,
            # A report is owed by running licences, for a year the licence existed in.
            "owed": licence.status in duties.REPORTING and licence.created_at.year <= year,
            "may_report_change": licence.status in duties.CHANGEABLE,
        }
    counts: dict[str, int] = {}
    if duty["owed"] and duty["state"] in ("due", "overdue"):
        # The overview's figures, to be sent with the report: counts only.
        with context.cross_tenant("yearly report: counts"), unit_of_work() as db:
            counts = duties.prefilled_counts(db, get_or_404(db, Licence, licence_id))
    with unit_of_work() as db:
        licence = get_or_404(db, Licence, licence_id)
        return _render(
            "pages/admin/licence.html",
            status,
            changes=changes,
            duty=duty,
            counts=counts,
            change_form=forms.get("change") or ChangeForm(formdata=None),
            report_form=forms.get("report") or YearlyReportForm(formdata=None),
            licence=licence,
            conditions=licensing.conditions_of(db, licence.id),
            events=list(reversed(licensing.events_of(db, licence.id))),
            enrolments=enrolments,
            folder=folder,
            live=licence.status in licensing.LIVE,
            resources=forms.get("resources")
            or ResourcesForm(formdata=None, resources=licence.resources),
            listing=forms.get("listing")
            or ListingForm(formdata=None, how_to_apply=licence.how_to_apply),
            enrol=enrol,
            error=error,
        )


@blp.get("/licences/<uuid:licence_id>")
@signed_in(Permission.APPLY_LICENCES)
def licence(licence_id: uuid.UUID) -> Any:
    """One licence: conditions, what to do next, courses, the orientation folder, history."""
    return _licence_page(licence_id)


@blp.post("/licences/<uuid:licence_id>/resources")
@signed_in(Permission.APPLY_LICENCES)
def resources(licence_id: uuid.UUID) -> Any:
    """Declare the resources for continuity: one of the licence's conditions."""
    form = ResourcesForm()
    if not form.validate_on_submit():
        return _licence_page(licence_id, {"resources": form}, str(FORM_NOT_VALID), 422)
    try:
        with context.cross_tenant("licence resources"), unit_of_work() as db:
            licensing.declare_resources(
                db, get_or_404(db, Licence, licence_id), actor=_actor(),
                resources=form.resources.data or "",
            )  # fmt: skip
    except Problem as problem:
        error = show_problem(form, problem)
        return _licence_page(licence_id, {"resources": form}, error, problem.status)
    flash(_("The resources are declared."))
    return redirect(url_for(".licence", licence_id=licence_id))


@blp.post("/licences/<uuid:licence_id>/listing")
@signed_in(Permission.APPLY_LICENCES)
def listing(licence_id: uuid.UUID) -> Any:
    """How people get in touch, as the national directory shows it."""
    form = ListingForm()
    if not form.validate_on_submit():
        return _licence_page(licence_id, {"listing": form}, str(FORM_NOT_VALID), 422)
    try:
        with unit_of_work() as db:
            licensing.update_listing(
                db, get_or_404(db, Licence, licence_id), actor=_actor(),
                how_to_apply=form.how_to_apply.data or "",
            )  # fmt: skip
    except Problem as problem:
        error = show_problem(form, problem)
        return _licence_page(licence_id, {"listing": form}, error, problem.status)
    flash(_("The directory listing is saved."))
    return redirect(url_for(".licence", licence_id=licence_id))


@blp.post("/licences/<uuid:licence_id>/enrol")
@signed_in(Permission.ENROL_COURSES)
def enrol(licence_id: uuid.UUID) -> Any:
    """Enrol one of the organisation's coordinators on an upcoming model course."""
    form = EnrolForm()
    # Choices are checked by the service (the course of this model, a person of
    # ours); the form only needs to accept what the page offered.
    form.course.choices = [(form.course.data or "", "")]
    form.person.choices = [(form.person.data or "", "")]
    if not form.validate_on_submit():
        return _licence_page(licence_id, {"enrol": form}, str(FORM_NOT_VALID), 422)
    try:
        course_id, person_id = uuid.UUID(form.course.data), uuid.UUID(form.person.data)
    except ValueError:
        abort(404)
    try:
        with unit_of_work() as db:
            courses.enrol(
                db,
                get_or_404(db, Licence, licence_id),
                actor=_actor(),
                course_id=course_id,
                user_id=person_id,
            )
    except Problem as problem:
        error = problem_message(problem)
        return _licence_page(licence_id, {"enrol": form}, error, problem.status)
    flash(_("The coordinator is enrolled on the course."))
    return redirect(url_for(".licence", licence_id=licence_id))


@blp.post("/licences/<uuid:licence_id>/changes")
@signed_in(Permission.REPORT_PARTNER_DUTIES)
def report_change(licence_id: uuid.UUID) -> Any:
    """Tell the model owner of a change (a new coordinator, a pause...)."""
    form = ChangeForm()
    if not form.validate_on_submit():
        return _licence_page(licence_id, {"change": form}, str(FORM_NOT_VALID), 422)
    try:
        with context.cross_tenant("partner change report"), unit_of_work() as db:
            duties.report_change(
                db,
                get_or_404(db, Licence, licence_id),
                actor=_actor(),
                kind=ChangeKind(form.kind.data),
                text=form.text.data or "",
                effective_on=form.effective_on.data,  # type: ignore[arg-type]
            )
    except Problem as problem:
        error = show_problem(form, problem)
        return _licence_page(licence_id, {"change": form}, error, problem.status)
    flash(_("The model owner is told of the change."))
    return redirect(url_for(".licence", licence_id=licence_id))


@blp.post("/licences/<uuid:licence_id>/yearly-report/<int:year>")
@signed_in(Permission.REPORT_PARTNER_DUTIES)
def yearly_report(licence_id: uuid.UUID, year: int) -> Any:
    """Submit the yearly report: the overview's counts and the organisation's own words."""
    form = YearlyReportForm()
    if not form.validate_on_submit():
        return _licence_page(licence_id, {"report": form}, str(FORM_NOT_VALID), 422)
    try:
        with context.cross_tenant("yearly report"), unit_of_work() as db:
            duties.submit_yearly_report(
                db,
                get_or_404(db, Licence, licence_id),
                year,
                actor=_actor(),
                narrative=form.narrative.data or "",
            )
    except Problem as problem:
        error = show_problem(form, problem)
        return _licence_page(licence_id, {"report": form}, error, problem.status)
    flash(_("The yearly report is submitted."))
    return redirect(url_for(".licence", licence_id=licence_id))


@blp.get("/materials/<uuid:material_id>/download")
@signed_in(Permission.DOWNLOAD_MATERIALS)
def download(material_id: uuid.UUID) -> Response:
    """A file of a licensed model's orientation folder, through a short-lived signed link."""
    with unit_of_work() as db:
        material = get_or_404(db, ModelMaterial, material_id)
        url, _expires = materials.download_link(db, current_storage(), material, actor=_actor())
    return redirect(url)


# --- billing ----------------------------------------------------------------


def _billing_page(
    forms: dict[str, Any] | None = None, error: str | None = None, status: int = 200
) -> Any:
    from tukiverkko.tenants.billing import api as billing_api
    from tukiverkko.tenants.billing import service as billing
    from tukiverkko.tenants.billing.plans import PLANS, paid_plan_keys

    principal = _principal()
    forms = forms or {}
    with unit_of_work() as db:
        row = billing.billing_of(db, principal.tenant_id)
        view = billing_api._billing_view(row)
        places = billing.places(db, principal.tenant_id)
    checkout = forms.get("checkout") or CheckoutForm(
        formdata=None, plan=(row.requested_plan if row else None)
    )
    checkout.plan.choices = [(k, PLANS[k].name) for k in paid_plan_keys()]
    details = forms.get("details") or BillingDetailsForm(
        formdata=None,
        billing_email=view["billing_email"],
        einvoice_address=view["einvoice_address"],
        einvoice_operator=view["einvoice_operator"],
    )
    return _render(
        "pages/admin/billing.html",
        status,
        view=view,
        plan=PLANS.get(view["plan"]),
        plans=list(PLANS.values()),
        places=places,
        checkout=checkout,
        details=details,
        button=ButtonForm(),
        may_manage=allows(principal.role, Permission.MANAGE_BILLING),
        returned=request.args.get("checkout"),
        error=error,
    )


@billing_blp.get("", endpoint="billing")
@signed_in(Permission.READ_BILLING)
def billing_status() -> Any:
    """Plan, billing state, volunteer places left, read-only mode; Checkout and portal."""
    return _billing_page()


@billing_blp.post("/checkout")
@signed_in(Permission.MANAGE_BILLING)
def checkout() -> Any:
    """To Stripe Checkout for a paid plan (the same steps as `POST /api/v1/billing/checkout`)."""
    from tukiverkko.tenants.billing import api as billing_api
    from tukiverkko.tenants.billing.interface import current_provider
    from tukiverkko.tenants.billing.plans import PLANS, paid_plan_keys

    principal = _principal()
    form = CheckoutForm()
    form.plan.choices = [(k, PLANS[k].name) for k in paid_plan_keys()]
    if not form.validate_on_submit():
        return _billing_page({"checkout": form}, str(FORM_NOT_VALID), 422)
    provider = current_provider()
    back = url_for(".billing", _external=True)
    try:
        with unit_of_work() as db:
            row = billing_api._require_billing(db, principal.tenant_id)
            tenant = db.get(Tenant, principal.tenant_id)
            assert tenant is not None
            if not row.stripe_customer_id:
                row.stripe_customer_id = provider.create_customer(
                    billing_api._details(tenant, row, principal.language)
                )
            row.requested_plan = form.plan.data or ""
            url = provider.checkout_url(
                customer_id=row.stripe_customer_id,
                tenant_id=str(tenant.id),
                plan_key=form.plan.data or "",
                success_url=f"{back}?checkout=done",
                cancel_url=f"{back}?checkout=cancelled",
            )
    except Problem as problem:
        return _billing_page({"checkout": form}, problem_message(problem), problem.status)
    return redirect(url, code=303)


@billing_blp.post("/portal")
@signed_in(Permission.MANAGE_BILLING)
def portal() -> Any:
    """To the Stripe customer portal: cards, invoices, plan change, cancellation."""
    from tukiverkko.tenants.billing import api as billing_api
    from tukiverkko.tenants.billing.interface import current_provider

    if not ButtonForm().validate_on_submit():
        abort(400)
    principal = _principal()
    try:
        with unit_of_work() as db:
            customer = billing_api._require_billing(db, principal.tenant_id).stripe_customer_id
        if not customer:
            raise Problem("Choose a paid plan first.", code="no_subscription", status=409)
        url = current_provider().portal_url(
            customer_id=customer, return_url=url_for(".billing", _external=True)
        )
    except Problem as problem:
        return _billing_page(error=problem_message(problem), status=problem.status)
    return redirect(url, code=303)


@billing_blp.post("/details")
@signed_in(Permission.MANAGE_BILLING)
def details() -> Any:
    """The billing email and e-invoicing address (kept in step with Stripe)."""
    from tukiverkko.tenants.billing import api as billing_api
    from tukiverkko.tenants.billing.interface import current_provider

    principal = _principal()
    form = BillingDetailsForm()
    if not form.validate_on_submit():
        return _billing_page({"details": form}, str(FORM_NOT_VALID), 422)
    try:
        with unit_of_work() as db:
            row = billing_api._require_billing(db, principal.tenant_id)
            row.billing_email = (form.billing_email.data or "").strip().lower()
            row.einvoice_address = (form.einvoice_address.data or "").strip()
            row.einvoice_operator = (form.einvoice_operator.data or "").strip()
            if row.stripe_customer_id:
                tenant = db.get(Tenant, principal.tenant_id)
                assert tenant is not None
                # Inside the transaction: if Stripe refuses, nothing changes here either.
                current_provider().update_customer(
                    row.stripe_customer_id, billing_api._details(tenant, row, principal.language)
                )
    except Problem as problem:
        return _billing_page({"details": form}, show_problem(form, problem), problem.status)
    flash(_("The billing details are saved."))
    return redirect(url_for(".billing"))
