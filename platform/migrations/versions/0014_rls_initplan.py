"""row-level security reads the tenant settings once per query (issue 11)

Revision ID: 0014
Revises: 0013
Create Date: 2026-11-23 20:10:00

Every `tenant_isolation` policy, of core and module tables alike, gets the
predicate `db.TENANT_RLS_PREDICATE` also gives new tables: the same test, with the settings read
in sub-selects that PostgreSQL evaluates once per query instead of once per
row. `ALTER POLICY` changes a policy in place, so no moment exists without
one; code of the previous release runs unchanged against either form.
"""

from __future__ import annotations

from alembic import op
from sqlalchemy import text

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None

# Written out rather than imported: a migration keeps meaning what it meant.
_PER_QUERY_PREDICATE = (
    "((SELECT current_setting('app.cross_tenant', true)) = 'on'"
    " OR tenant_id = (SELECT NULLIF(current_setting('app.tenant_id', true), '')::uuid))"
)
# The predicate as migrations 0001-0013 wrote it.
_PER_ROW_PREDICATE = (
    "(current_setting('app.cross_tenant', true) = 'on'"
    " OR tenant_id = NULLIF(current_setting('app.tenant_id', true), '')::uuid)"
)


def _set_predicate(predicate: str) -> None:
    bind = op.get_bind()
    if bind.dialect.name != "postgresql":
        return
    tables = bind.execute(
        text(
            "SELECT tablename FROM pg_policies"
            " WHERE schemaname = current_schema() AND policyname = 'tenant_isolation'"
            " ORDER BY tablename"
        )
    ).scalars()
    for table in list(tables):
        op.execute(
            f'ALTER POLICY tenant_isolation ON "{table}" USING {predicate} WITH CHECK {predicate}'
        )


def upgrade() -> None:
    _set_predicate(_PER_QUERY_PREDICATE)


def downgrade() -> None:
    _set_predicate(_PER_ROW_PREDICATE)
