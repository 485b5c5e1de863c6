"""API: the organisation's own OpenID Connect provider (tenant admins only).

The client secret is write-only: it is accepted by PUT and never returned.
The tenant is always the signed-in admin's own; no input names a tenant.
"""

from __future__ import annotations

from typing import Any

import marshmallow as ma
from flask import current_app, url_for
from flask.views import MethodView
from flask_smorest import Blueprint

from tukiverkko.platform.auth import authorize
from tukiverkko.platform.db import get_database
from tukiverkko.platform.encryption import current_keyring
from tukiverkko.platform.errors import NotFound
from tukiverkko.platform.identity import sso
from tukiverkko.platform.identity.models import SsoProvider
from tukiverkko.platform.identity.service import Principal
from tukiverkko.platform.permissions import Permission

blp = Blueprint(
    "sso",
    __name__,
    url_prefix="/sso",
    description="Single sign-on with the organisation's own OpenID Connect provider",
)


class ProviderSchema(ma.Schema):
    """A provider as shown: everything but the client secret."""

    issuer = ma.fields.String(required=True)
    client_id = ma.fields.String(required=True)
    enabled = ma.fields.Boolean(required=True)
    allow_unknown_users = ma.fields.Boolean(required=True)
    redirect_uri = ma.fields.String(
        required=True,
        metadata={"description": "Register this callback address at the provider"},
    )


class ProviderInput(ma.Schema):
    """A provider as set. Unknown fields (tenant_id among them) are rejected."""

    issuer = ma.fields.Url(
        required=True,
        schemes={"https", "http"},
        require_tld=False,
        validate=ma.validate.Length(max=255),
        metadata={"description": "https URL; must equal the `iss` of the ID tokens"},
    )
    client_id = ma.fields.String(required=True, validate=ma.validate.Length(1, 255))
    client_secret = ma.fields.String(
        load_only=True,
        validate=ma.validate.Length(1, 255),
        metadata={"description": "Required when creating; left out, the stored one is kept"},
    )
    enabled = ma.fields.Boolean(load_default=True)
    allow_unknown_users = ma.fields.Boolean(
        load_default=False,
        metadata={"description": "Create a volunteer account for people not invited"},
    )


def _shown(provider: SsoProvider, principal: Principal) -> dict[str, Any]:
    return {
        "issuer": provider.issuer,
        "client_id": provider.client_id,
        "enabled": provider.enabled,
        "allow_unknown_users": provider.allow_unknown_users,
        "redirect_uri": url_for(
            "tenant_web.sso_callback", slug=principal.tenant_slug, _external=True
        ),
    }


@blp.route("/provider")
class Provider(MethodView):
    @blp.response(200, ProviderSchema)
    def get(self) -> dict[str, Any]:
        """The organisation's provider (without its secret)."""
        principal = authorize(Permission.MANAGE_SSO)
        with get_database().unit_of_work() as db:
            provider = sso.get_provider(db)
            if provider is None:
                raise NotFound("No single sign-on provider is configured.")
            return _shown(provider, principal)

    @blp.arguments(ProviderInput)
    @blp.response(200, ProviderSchema)
    def put(self, args: dict[str, Any]) -> dict[str, Any]:
        """Create or replace the organisation's provider."""
        principal = authorize(Permission.MANAGE_SSO)
        settings = current_app.config["TUKIVERKKO_SETTINGS"]
        with get_database().unit_of_work() as db:
            provider = sso.save_provider(
                db,
                principal,
                issuer=args["issuer"],
                client_id=args["client_id"],
                client_secret=args.get("client_secret"),
                enabled=args["enabled"],
                allow_unknown_users=args["allow_unknown_users"],
                keyring=current_keyring(),
                # Plain http to loopback only where the provider runs beside us.
                allow_http_loopback=settings.env in ("development", "test"),
            )
            return _shown(provider, principal)

    @blp.response(204)
    def delete(self) -> None:
        """Remove the organisation's provider; password sign-in keeps working."""
        principal = authorize(Permission.MANAGE_SSO)
        with get_database().unit_of_work() as db:
            sso.delete_provider(db, principal)
