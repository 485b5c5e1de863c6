"""Schema changes without downtime: the previous release's code serves the common read paths
against the NEW schema (what happens during a rolling update, when the migration has run and
old pods still answer).

The previous release is the commit named in `infra/previous-release`. Its source is taken from
git history (`git archive`), imported in a subprocess in place of the installed code, pointed at
a PostgreSQL database migrated to today's head and seeded by today's code, and asked for the
lists and records people open most. Every answer must be 200 with the seeded rows.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tarfile
import uuid
from pathlib import Path

import pytest

from tests.conftest import base_settings
from tests.factories import Org, make_org, objects_of
from tests.support.services import APP_ROLE, OWNER_ROLE, PostgresServer
from tukiverkko.platform.db import Database

ROOT = Path(__file__).resolve().parents[2]
RELEASE_FILE = ROOT / "infra" / "previous-release"
TOP_LEVEL = ("platform", "tenants", "modules", "workers")

pytestmark = [pytest.mark.postgres, pytest.mark.slow]

# Runs inside the subprocess: import the OLD code instead of the installed (editable) one.
RUNNER = r"""
import json, os, sys
shim, old_root = sys.argv[1], sys.argv[2]
# The editable install maps `tukiverkko` to this checkout: take its finders out first.
sys.meta_path[:] = [f for f in sys.meta_path if not type(f).__module__.startswith("__editable__")]
sys.path_hooks[:] = [
    h for h in sys.path_hooks if not getattr(h, "__module__", "").startswith("__editable__")
]
sys.path_importer_cache.clear()
sys.path[:] = [shim] + [p for p in sys.path if p not in ("", os.getcwd())]
from tukiverkko.platform.app import create_app
import tukiverkko.platform.app as app_module
where = os.path.realpath(app_module.__file__)
assert where.startswith(os.path.realpath(old_root)), where
requests = json.loads(sys.argv[3])
client = create_app().test_client()
token = client.post("/api/v1/auth/token", json=requests["sign_in"])
out = {"sign_in": token.status_code}
headers = {"Authorization": "Bearer " + (token.json or {}).get("access_token", "")}
for path in requests["paths"]:
    resp = client.get(path, headers=headers)
    body = resp.get_json(silent=True)
    items = body.get("items") if isinstance(body, dict) else None
    out[path] = [resp.status_code, len(items) if isinstance(items, list) else None]
print(json.dumps(out))
"""


def previous_release() -> str:
    return RELEASE_FILE.read_text().split()[0]


def export_release(commit: str, dest: Path) -> Path:
    """The previous release's source under `dest/src`, and an import shim under `dest/shim`."""
    shallow = subprocess.run(
        ["git", "-C", str(ROOT), "rev-parse", "--is-shallow-repository"],
        capture_output=True,
        text=True,
        check=False,
    ).stdout.strip()
    present = subprocess.run(
        ["git", "-C", str(ROOT), "cat-file", "-e", f"{commit}^{{commit}}"], check=False
    )
    if present.returncode != 0:
        if shallow == "true":
            pytest.skip(f"a shallow clone has no history to take release {commit[:12]} from")
        pytest.fail(f"infra/previous-release names {commit}, which is not in this repository")
    archive = dest / "release.tar"
    subprocess.run(
        ["git", "-C", str(ROOT), "archive", f"--output={archive}", commit, *TOP_LEVEL],
        check=True,
    )
    src = dest / "src"
    with tarfile.open(archive) as tar:
        tar.extractall(src, filter="data")
    shim = dest / "shim" / "tukiverkko"
    shim.mkdir(parents=True)
    for name in TOP_LEVEL:
        (shim / name).symlink_to(src / name, target_is_directory=True)
    return dest / "shim"


def test_release_file_names_a_full_commit() -> None:
    commit = previous_release()
    assert len(commit) == 40 and all(c in "0123456789abcdef" for c in commit)


def test_previous_release_reads_the_new_schema(
    postgres: PostgresServer, postgres_template: str, tmp_path: Path
) -> None:
    shim = export_release(previous_release(), tmp_path)
    name = f"prev_{uuid.uuid4().hex[:8]}"
    postgres.sql(
        "postgres", f"CREATE DATABASE {name} TEMPLATE {postgres_template} OWNER {OWNER_ROLE}"
    )
    try:
        url = postgres.url(name, APP_ROLE)
        database = Database(url)
        org = make_org(database)
        ids = objects_of(org, database)
        database.dispose()
        answers = _ask_old_code(shim, tmp_path, url, org, ids)
    finally:
        postgres.sql("postgres", f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")

    assert answers.pop("sign_in") == 200
    for path, (status, count) in answers.items():
        assert status == 200, f"the previous release cannot read {path}: {status}"
        assert count is None or count >= 1, f"{path}: the seeded rows are missing"


def _ask_old_code(
    shim: Path, tmp_path: Path, url: str, org: Org, ids: dict[str, uuid.UUID]
) -> dict[str, list[int | None]]:
    from tests.factories import PASSWORD
    from tukiverkko.platform.identity.models import Role

    paths = [
        "/api/v1/programmes",
        "/api/v1/volunteers",
        f"/api/v1/volunteers/{ids['volunteer_id']}",
        "/api/v1/participants",
        f"/api/v1/participants/{ids['participant_id']}",
        "/api/v1/matches",
        f"/api/v1/matches/{ids['match_id']}",
        f"/api/v1/follow-up/matches/{ids['match_id']}/meetings",
        "/api/v1/events",
        "/api/v1/notifications/preferences",
        "/api/v1/licences",
    ]
    settings = base_settings(tmp_path / "var")
    env = {k: v for k, v in os.environ.items() if not k.startswith("TUKIVERKKO_")}
    env.update(
        {
            "TUKIVERKKO_ENV": "test",
            "TUKIVERKKO_SECRET_KEY": settings.secret_key,
            "TUKIVERKKO_VAR_DIR": str(tmp_path / "var"),
            "TUKIVERKKO_DATABASE_URL": url,
            "TUKIVERKKO_LOG_LEVEL": "WARNING",
        }
    )
    request = {
        "sign_in": {
            "tenant": org.slug,
            "email": org.emails[Role.COORDINATOR],
            "password": PASSWORD,
        },
        "paths": paths,
    }
    result = subprocess.run(
        [sys.executable, "-c", RUNNER, str(shim), str(tmp_path / "src"), json.dumps(request)],
        env=env,
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert result.returncode == 0, f"the previous release failed:\n{result.stderr[-4000:]}"
    answers: dict[str, list[int | None]] = json.loads(result.stdout.strip().splitlines()[-1])
    return answers
