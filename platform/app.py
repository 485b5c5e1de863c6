"""The one Flask app factory."""

from __future__ import annotations

from flask import Flask

from tukiverkko.platform.encryption import keyring_from_settings
from tukiverkko.platform.settings import Settings, check_settings


def create_app(settings: Settings | None = None) -> Flask:
    """Build the web application for `settings` (default: from the environment)."""
    from tukiverkko.platform import (
        api,
        auth,
        errors,
        health,
        i18n,
        logs,
        metrics,
        read_cache,
        security,
        storage,
        web,
    )
    from tukiverkko.platform.db import Database
    from tukiverkko.platform.identity import web as identity_web
    from tukiverkko.platform.identity.service import WEB_SESSION_LIFETIME
    from tukiverkko.platform.pages import frame as pages
    from tukiverkko.tenants import directory

    settings = (settings or Settings.from_env()).resolved()
    check_settings(settings)  # production refuses the embedded defaults, before any side effect
    logs.configure_logging(settings.log_level, settings.log_json)
    settings.var_dir.mkdir(parents=True, exist_ok=True)

    app = Flask(__name__, static_folder="static", template_folder="templates")
    app.config.update(
        TUKIVERKKO_SETTINGS=settings,
        SECRET_KEY=settings.secret_key,
        MAX_CONTENT_LENGTH=16 * 1024 * 1024,
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_SECURE=settings.session_cookie_secure,
        SESSION_COOKIE_NAME="tukiverkko_session",
        PERMANENT_SESSION_LIFETIME=WEB_SESSION_LIFETIME,
        WTF_CSRF_TIME_LIMIT=None,  # the token lives as long as the session
    )
    app.extensions["tukiverkko.db"] = Database(settings.database_url)
    # Made now, so that a malformed TUKIVERKKO_ENCRYPTION_KEYS stops the start, not a sign-in.
    app.extensions["tukiverkko.keyring"] = keyring_from_settings(settings)

    security.init_request_hooks(app)
    metrics.init_metrics(app)  # right after the request id, so it times (almost) everything
    # Before every other request hook: a cached answer needs none of them.
    read_cache.init_read_cache(app, app.extensions["tukiverkko.db"])
    i18n.init_i18n(app)
    errors.register_error_handlers(app)
    app.register_blueprint(health.blp)
    app.register_blueprint(web.blp)
    app.register_blueprint(storage.blp)  # signed local file links
    app.register_blueprint(directory.blp)  # the public national directory
    import tukiverkko.platform.identity.sso  # noqa: F401  (adds its routes to identity_web.blp)

    app.register_blueprint(identity_web.blp)
    pages.init_pages(app)
    for blueprint in _page_blueprints():
        app.register_blueprint(blueprint)
    rest = api.init_api(app)
    app.before_request(auth.check_path_objects)
    app.after_request(auth.check_session_before_answering)
    # Read-only mode (unpaid subscription, issue 10): the one check every write
    # of a signed-in person passes, API and pages alike; runs after the 404s.
    from tukiverkko.tenants.billing import api as billing_api

    app.before_request(billing_api.refuse_writes_when_read_only)
    for blueprint in _api_blueprints():
        rest.register_blueprint(blueprint, url_prefix=api.API_PREFIX + blueprint.url_prefix)
    auth.assert_path_objects_registered(app)
    return app


def _page_blueprints() -> list:
    """Every blueprint of signed-in and public pages under `/t/<slug>/…` (platform/pages/)."""
    from tukiverkko.platform import plugins
    from tukiverkko.platform.pages import admin as admin_pages
    from tukiverkko.platform.pages import coordinator as coordinator_pages
    from tukiverkko.platform.pages import inbox as inbox_pages
    from tukiverkko.platform.pages import owner as owner_pages
    from tukiverkko.platform.pages import public as public_pages
    from tukiverkko.platform.pages import reports as report_pages
    from tukiverkko.platform.pages import signup as signup_pages
    from tukiverkko.platform.pages import volunteer as volunteer_pages
    from tukiverkko.platform.privacy import api as privacy_api

    return [
        public_pages.blp,
        privacy_api.pages,  # the public privacy notice, /t/<slug>/privacy
        volunteer_pages.blp,
        coordinator_pages.blp,
        owner_pages.blp,
        inbox_pages.blp,
        report_pages.blp,  # /reports: a partner's and a model owner's reports
        *admin_pages.BLUEPRINTS,  # /admin/… and /billing
        signup_pages.blp,  # /signup: public, outside any organisation
        # Programme modules' own pages, from the registry (modules are plugins).
        *plugins.module_page_blueprints(),
    ]


def _api_blueprints() -> list:
    """Every flask-smorest blueprint of the core, in registration order."""
    from tukiverkko.platform import audit_api, modules_api, notifications_api, plugins
    from tukiverkko.platform.identity import api as identity_api
    from tukiverkko.platform.identity import sso_api, users_api
    from tukiverkko.platform.primitives import api as primitives_api
    from tukiverkko.platform.primitives import api_journey, interviews
    from tukiverkko.platform.privacy import api as privacy_api
    from tukiverkko.platform.reports import api as reports_api
    from tukiverkko.tenants import announcements, duties_api, licensing_api
    from tukiverkko.tenants import api as tenants_api
    from tukiverkko.tenants.billing import api as billing_api

    return [
        identity_api.blp,
        users_api.blp,
        sso_api.blp,
        tenants_api.blp,
        audit_api.blp,
        notifications_api.blp,
        announcements.blp,
        *licensing_api.BLUEPRINTS,
        *duties_api.BLUEPRINTS,
        *primitives_api.BLUEPRINTS,
        *api_journey.BLUEPRINTS,
        interviews.blp,
        *reports_api.BLUEPRINTS,
        *billing_api.BLUEPRINTS,
        *privacy_api.BLUEPRINTS,
        modules_api.blp,
        # Programme modules' own endpoints, from the registry (modules are plugins).
        *plugins.module_blueprints(),
    ]
