"""The plugin contract: modules are found through the entry-point group, never imported by name.

The last test builds a module shipped as a distribution of its own
(tests/fixtures/extra_module) into a wheel, unpacks it into a temporary
folder and runs a fresh process with that folder on its path: the module
appears in the registry, its table migrates with `upgrade heads`, and its
endpoints answer. The venv is never changed.
"""

from __future__ import annotations

import ast
import json
import os
import shutil
import subprocess
import sys
import textwrap
import zipfile
from pathlib import Path

import pytest
from flask.testing import FlaskClient

from tests.factories import license_module, make_org, token_for
from tukiverkko.platform import plugins
from tukiverkko.platform.db import Database
from tukiverkko.platform.errors import Problem
from tukiverkko.platform.identity.models import Role

ROOT = Path(__file__).resolve().parents[1]
EXTRA_MODULE = ROOT / "tests" / "fixtures" / "extra_module"
MODULES = {
    "mentor_buddy",
    "support_person",
    "mens_peer_groups",
    "family_sponsor",
    "immigrant_mother_friend",
    "peer_parents",
}


def test_the_core_never_imports_a_module() -> None:
    offenders = []
    for folder in ("platform", "tenants", "workers"):
        for path in (ROOT / folder).rglob("*.py"):
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
                names: list[str] = []
                if isinstance(node, ast.Import):
                    names = [alias.name for alias in node.names]
                elif isinstance(node, ast.ImportFrom) and node.module:
                    names = [node.module, *(f"{node.module}.{a.name}" for a in node.names)]
                if any(n.startswith("tukiverkko.modules.") for n in names):
                    offenders.append(f"{path.relative_to(ROOT)}:{node.lineno}")
                # importlib by a literal name would be the same thing in disguise
                if isinstance(node, ast.Constant) and str(node.value).startswith(
                    "tukiverkko.modules."
                ):
                    offenders.append(f"{path.relative_to(ROOT)}:{node.lineno} (string)")
    assert not offenders, f"the core imports a module: {offenders}"


def test_every_module_is_registered_with_its_rules() -> None:
    modules = {m.key: m for m in plugins.all_modules()}
    assert set(modules) >= MODULES
    for module in modules.values():
        assert module.names.fi and module.names.sv and module.names.en
        assert module.intake_sources
    assert modules["mentor_buddy"].model == "Mieskaverit®"
    assert {s.value for s in modules["mentor_buddy"].intake_sources} == {"guardian"}
    assert modules["mentor_buddy"].meetings_per_month == (2, 4)
    assert modules["support_person"].background_check_required
    with pytest.raises(Problem) as unknown:
        plugins.get_module("no_such_module")
    assert unknown.value.code == "unknown_module" and unknown.value.status == 422


def test_a_programme_needs_a_known_module_and_its_licence(
    client: FlaskClient, database: Database
) -> None:
    org = make_org(database)
    headers = token_for(client, org, Role.TENANT_ADMIN)
    unknown = client.post(
        "/api/v1/programmes", json={"module_key": "no_such_module", "name": "X"}, headers=headers
    )
    assert unknown.status_code == 422 and unknown.json["code"] == "unknown_module"
    body = {"module_key": "mentor_buddy", "name": "Mieskaverit"}
    unlicensed = client.post("/api/v1/programmes", json=body, headers=headers)
    assert unlicensed.status_code == 403 and unlicensed.json["code"] == "licence_required"
    listed = {m["key"]: m for m in client.get("/api/v1/modules", headers=headers).json["items"]}
    assert set(listed) >= MODULES and not listed["mentor_buddy"]["licensed"]
    license_module(database, org, "mentor_buddy")
    assert client.post("/api/v1/programmes", json=body, headers=headers).status_code == 201
    listed = {m["key"]: m for m in client.get("/api/v1/modules", headers=headers).json["items"]}
    assert listed["mentor_buddy"]["licensed"] and not listed["support_person"]["licensed"]
    assert listed["mentor_buddy"]["names"]["fi"] == "Mieskaverit"


SCRIPT = textwrap.dedent(
    """
    import json, sys
    from pathlib import Path

    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext
    from sqlalchemy import create_engine, inspect

    from tests.factories import license_module, make_org, token_for
    from tukiverkko.platform import plugins
    from tukiverkko.platform.app import create_app
    from tukiverkko.platform.db import Base
    from tukiverkko.platform.identity.models import Role
    from tukiverkko.platform.identity.passwords import configure_hasher
    from tukiverkko.platform.migrate import upgrade
    from tukiverkko.platform.models import load_models
    from tukiverkko.platform.settings import Settings

    configure_hasher(time_cost=1, memory_cost=1024)
    var = Path(sys.argv[1])
    url = f"sqlite:///{var}/db.sqlite3"
    settings = Settings(
        env="test", secret_key="k", var_dir=var, log_json=False, log_level="WARNING",
        database_url=url,
    ).resolved()
    registered = sorted(m.key for m in plugins.all_modules())
    upgrade(settings)
    engine = create_engine(url)
    tables = inspect(engine).get_table_names()
    load_models()
    with engine.connect() as conn:
        drift = compare_metadata(MigrationContext.configure(conn), Base.metadata)
    app = create_app(settings)
    client = app.test_client()
    db = app.extensions["tukiverkko.db"]
    org = make_org(db)
    headers = token_for(client, org, Role.COORDINATOR)
    unlicensed = client.post("/api/v1/allotment/plots", json={"label": "A1"}, headers=headers)
    license_module(db, org, "allotment")
    created = client.post("/api/v1/allotment/plots", json={"label": "A1"}, headers=headers)
    listed = client.get("/api/v1/allotment/plots", headers=headers)
    print(json.dumps({
        "registered": registered,
        "has_table": "allotment_plots" in tables,
        "drift": [str(d) for d in drift],
        "unlicensed": unlicensed.status_code,
        "created": created.status_code,
        "listed": [p["label"] for p in listed.json["items"]],
    }))
    """
)


def test_a_module_from_a_separate_distribution_appears_migrates_and_serves(
    tmp_path: Path,
) -> None:
    source = tmp_path / "src"
    shutil.copytree(EXTRA_MODULE, source, ignore=shutil.ignore_patterns("__pycache__"))
    built = subprocess.run(
        [sys.executable, "-m", "build", "--wheel", "--no-isolation", "--outdir", str(tmp_path)],
        cwd=source,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert built.returncode == 0, built.stdout + built.stderr
    (wheel,) = tmp_path.glob("tukiverkko_allotment-*.whl")
    site = tmp_path / "site"
    with zipfile.ZipFile(wheel) as archive:  # a wheel is a zip laid out as site-packages
        archive.extractall(site)
    assert list(site.glob("*.dist-info/entry_points.txt")), "the wheel carries its entry point"
    env = {k: v for k, v in os.environ.items() if not k.startswith("TUKIVERKKO_")}
    env["PYTHONPATH"] = os.pathsep.join([str(site), str(ROOT)])
    var = tmp_path / "var"
    var.mkdir()
    run = subprocess.run(
        [sys.executable, "-c", SCRIPT, str(var)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert run.returncode == 0, run.stdout + run.stderr
    result = json.loads(run.stdout.strip().splitlines()[-1])
    assert "allotment" in result["registered"] and set(result["registered"]) >= MODULES
    assert result["has_table"] and result["drift"] == []
    assert result["unlicensed"] == 403
    assert result["created"] == 201 and result["listed"] == ["A1"]
    # and this process, like the venv, never saw it
    assert plugins.find_module("allotment") is None
