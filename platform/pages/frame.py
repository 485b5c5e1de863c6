"""The frame every page of an organisation stands on.

- `tenant_pages(name, import_name, url_prefix)` makes a blueprint under
  `/t/<slug>/…`; the organisation is loaded from the slug into `g.tenant`.
- `@signed_in(Permission.X)` on a view: the person must be signed in to THIS
  organisation (else: the sign-in page, then back here), their role must allow
  the permission (the same `authorize` as the API), and every `<uuid:…>` in
  the URL must be visible to them (the same checks as the API: another
  tenant's id is a plain 404).
- `@public_page` on a view under `/t/<slug>/public/…`: no sign-in; ids in the
  URL are checked with the public registry for the slug's organisation.
- `nav_item(...)` puts a link in the menu of the people whose role allows it.
- `form_problem(form, problem)` shows a service's problem on a Flask-WTF form:
  field errors next to their fields, the rest as the summary, in the user's
  language, while the form keeps what the user typed.

Views stay thin: they read the form, call a service inside `unit_of_work()`
and render; the rules live in the services the API uses too.
"""

from __future__ import annotations

import functools
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar
from urllib.parse import urlsplit

from flask import Blueprint, Flask, g, redirect, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm

from tukiverkko.platform import auth
from tukiverkko.platform.errors import Problem
from tukiverkko.platform.identity.service import Principal
from tukiverkko.platform.identity.web import add_slug, load_tenant
from tukiverkko.platform.identity.web import tenant_principal as page_principal
from tukiverkko.platform.permissions import Permission, allows

F = TypeVar("F", bound=Callable[..., Any])


def tenant_pages(name: str, import_name: str, url_prefix: str = "") -> Blueprint:
    """A blueprint of pages under `/t/<slug>{url_prefix}` with the organisation in `g.tenant`."""
    blp = Blueprint(name, import_name, url_prefix=f"/t/<slug>{url_prefix}")
    blp.url_value_preprocessor(load_tenant)
    blp.url_defaults(add_slug)
    return blp


def signed_in_principal() -> Principal:
    """The principal of a view under `@signed_in` (which has already required one)."""
    principal = page_principal()
    assert principal is not None  # @signed_in ran first
    return principal


def page_cursor() -> str | None:
    """The keyset cursor of a paged list (`?cursor=`), if any."""
    return request.args.get("cursor") or None


def safe_next(target: str | None) -> str | None:
    """`target` if it is a page of the current organisation (no open redirect), else None."""
    if not target:
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not parts.path.startswith(f"/t/{g.tenant.slug}/"):
        return None
    return target


def signed_in(permission: Permission | None = None) -> Callable[[F], F]:
    """Require a signed-in member of `g.tenant` whose role allows `permission`."""

    def decorate(view: F) -> F:
        @functools.wraps(view)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            principal = page_principal()
            if principal is None:
                return redirect(url_for("tenant_web.login", next=request.full_path.rstrip("?")))
            if permission is not None:
                auth.authorize(permission)
            ids = {k: v for k, v in kwargs.items() if isinstance(v, uuid.UUID)}
            auth.check_visible(principal, ids)
            return view(*args, **kwargs)

        wrapper.signed_in_permission = permission  # type: ignore[attr-defined]
        return wrapper  # type: ignore[return-value]

    return decorate


def public_page(view: F) -> F:
    """A page anyone may open; ids in its URL are checked for the slug's organisation."""

    @functools.wraps(view)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        ids = {k: v for k, v in kwargs.items() if isinstance(v, uuid.UUID)}
        if ids:
            auth.check_public_visible(g.tenant, ids)
        return view(*args, **kwargs)

    return wrapper  # type: ignore[return-value]


@dataclass(frozen=True)
class NavItem:
    label: Any  # a lazy string: rendered in the reader's language
    endpoint: str
    permission: Permission | None
    order: int
    # Shown only when this says so too (e.g. a module's page: only to the
    # people of an organisation running it); asked when the menu is drawn.
    when: Callable[[Principal], bool] | None = None


NAV: list[NavItem] = []


def nav_item(
    label: Any,
    endpoint: str,
    permission: Permission | None,
    order: int = 50,
    when: Callable[[Principal], bool] | None = None,
) -> None:
    """Show a menu link to `endpoint` to the signed-in people whose role allows `permission`.

    `when`, if given, must also say yes for the person (checked after the role).
    """
    if any(item.endpoint == endpoint for item in NAV):
        return
    NAV.append(NavItem(label, endpoint, permission, order, when))
    NAV.sort(key=lambda item: (item.order, item.endpoint))


def menu_for(principal: Principal) -> list[NavItem]:
    """The menu of `principal`: the links their role allows."""
    return [
        item
        for item in NAV
        if (item.permission is None or allows(principal.role, item.permission))
        and (item.when is None or item.when(principal))
    ]


def form_problem(form: FlaskForm, problem: Problem) -> str:
    """Show `problem` on `form`; returns the summary message for the top of the form.

    Field errors a service reports (`problem.errors`, keyed by field name)
    go next to their fields; the form keeps every value the user typed.
    """
    for name, messages in (problem.errors or {}).items():
        field = getattr(form, name, None)
        if field is None:
            continue
        texts = messages if isinstance(messages, list) else [messages]
        field.errors = [*field.errors, *(str(text) for text in texts)]
    return problem.detail or _("Something went wrong. Check the form and try again.")


FORM_NOT_VALID = _l("Check the fields marked below.")


def init_pages(app: Flask) -> None:
    """Give every template the signed-in person and their menu."""

    @app.context_processor
    def _frame() -> dict[str, Any]:
        tenant = g.get("tenant")
        principal = page_principal() if tenant is not None else None
        if principal is None:
            return {"page_principal": None, "menu": []}
        from tukiverkko.platform.db import unit_of_work
        from tukiverkko.platform.identity.forms import LogoutForm
        from tukiverkko.tenants.billing import service as billing

        # Everyone of a read-only organisation is told why their changes are refused,
        # on every page, before they fill in a form (one query a page).
        with unit_of_work() as db:
            read_only = billing.is_read_only(db, principal.tenant_id)
        return {
            "page_principal": principal,
            "menu": menu_for(principal),
            "logout_form": LogoutForm(),
            "tenant_read_only": read_only,
            "may_read_billing": allows(principal.role, Permission.READ_BILLING),
        }
