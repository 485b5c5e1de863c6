"""The start page of a signed-in person (`/t/<slug>/`): what their role needs first.

- A volunteer: their status, training, match and the quick way to log a meeting.
- A coordinator or the organisation's admin: the work queue (what needs action).
- Anyone else (model-owner staff, the operator): a greeting and their menu.

`tenant_web.start` (platform/identity/web.py) renders this page, so the
address people bookmark stays `/t/<slug>/`.
"""

from __future__ import annotations

from typing import Any

from flask import render_template

from tukiverkko.platform.db import get_database
from tukiverkko.platform.identity.service import Principal
from tukiverkko.platform.permissions import Permission, allows


def dashboard(principal: Principal) -> Any:
    """Render the role-aware start page of `principal` (already checked to be signed in here)."""
    from tukiverkko.platform.pages import coordinator, volunteer

    context: dict[str, Any] = {"principal": principal, "kind": "other"}
    with get_database().unit_of_work() as db:
        if allows(principal.role, Permission.OWN_VOLUNTEERING):
            context.update(kind="volunteer", **volunteer.overview_context(db, principal))
        elif allows(principal.role, Permission.MANAGE_VOLUNTEERS):
            context.update(kind="staff", **coordinator.work_queue(db), **coordinator._labels())
    return render_template("pages/dashboard/start.html", **context)
