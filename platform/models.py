"""Imports every core model module so that the metadata is complete."""

from __future__ import annotations


def load_models() -> None:
    """Register the core's tables on `Base.metadata` (for Alembic and tests)."""
    import tukiverkko.platform.audit
    import tukiverkko.platform.identity.models
    import tukiverkko.platform.notifications
    import tukiverkko.platform.outbox
    import tukiverkko.platform.primitives.models
    import tukiverkko.platform.primitives.models_followup
    import tukiverkko.platform.primitives.models_reports
    import tukiverkko.platform.privacy.models
    import tukiverkko.tenants.billing.models
    import tukiverkko.tenants.duties_models
    import tukiverkko.tenants.licensing_models
    import tukiverkko.tenants.models  # noqa: F401
    from tukiverkko.platform import plugins

    # Programme modules' tables, found through the registry (never imported by name).
    plugins.load_module_models()
