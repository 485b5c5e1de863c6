"""Packaging must-holds: the wheel matches the tree, and the `platform` name clash stays away.

The four top-level folders are mapped into the import name `tukiverkko` through
`[tool.setuptools.package-dir]`; every package must also be listed, or the
wheel silently drops it while the editable install keeps working. So the wheel
is built (from a clean copy of the tree, as CI's fresh clone would) and its
file list compared with the files on disk.

The folders carry no `__init__.py`, so that the standard library's `platform`
wins over ours whenever the repository root is on `sys.path`; the commands
below are run from the root to prove it.
"""

from __future__ import annotations

import os
import platform
import shutil
import subprocess
import sys
import tomllib
import zipfile
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

import pytest

ROOT = Path(__file__).resolve().parents[1]
TOP_LEVEL_FOLDERS = ("platform", "tenants", "modules", "workers")
BIN = Path(sys.executable).parent

# Non-Python files that must ship, as globs relative to the repository root.
DATA_GLOBS = (
    "platform/templates/**/*",
    "platform/static/**/*",
    "platform/translations/*/LC_MESSAGES/**/*",
    "platform/migrations/script.py.mako",
    "modules/*/templates/**/*",  # module page templates (plugins: page_blueprints)
)


def _package_dirs(root: Path = ROOT) -> dict[PurePosixPath, PurePosixPath]:
    """Folder in the tree -> its path inside the wheel, from pyproject.toml."""
    config = tomllib.loads((root / "pyproject.toml").read_text(encoding="utf-8"))
    mapping = config["tool"]["setuptools"]["package-dir"]
    return {
        PurePosixPath(folder.strip("/")): PurePosixPath(*package.split("."))
        for package, folder in mapping.items()
        if package  # "" would map the root itself; not used here
    }


def _wheel_path(relative: PurePosixPath, dirs: dict[PurePosixPath, PurePosixPath]) -> str:
    """Where a file of the tree lands in the wheel; the most specific folder wins."""
    candidates = [folder for folder in dirs if relative.is_relative_to(folder)]
    assert candidates, f"{relative} is in no folder of [tool.setuptools.package-dir]"
    folder = max(candidates, key=lambda f: len(f.parts))
    return str(dirs[folder] / relative.relative_to(folder))


def _is_cache(path: Path) -> bool:
    return "__pycache__" in path.parts or path.suffix == ".pyc"


def _tree_files(root: Path, patterns: tuple[str, ...]) -> set[PurePosixPath]:
    found: set[PurePosixPath] = set()
    for pattern in patterns:
        for path in root.glob(pattern):
            relative = path.relative_to(root)
            if path.is_file() and not _is_cache(relative):
                found.add(PurePosixPath(relative.as_posix()))
    return found


def _tree_python_files(root: Path) -> set[PurePosixPath]:
    return _tree_files(root, tuple(f"{folder}/**/*.py" for folder in TOP_LEVEL_FOLDERS))


@dataclass(frozen=True)
class Build:
    source: Path  # the snapshot of the tree the wheel was built from
    wheel_names: set[str]


@pytest.fixture(scope="module")
def build(tmp_path_factory: pytest.TempPathFactory) -> Build:
    """Build the wheel from a clean copy (a snapshot) of the tree and list its files."""
    work = tmp_path_factory.mktemp("wheel")
    source = work / "src"
    source.mkdir()
    # Root files (pyproject.toml, README, licence...) and the mapped folders only: a stale
    # build/ or *.egg-info/ of the working tree must not leak into the wheel.
    for item in ROOT.iterdir():
        if item.is_file():
            shutil.copy2(item, source / item.name)
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc")
    for folder in TOP_LEVEL_FOLDERS:
        if (ROOT / folder).is_dir():
            shutil.copytree(ROOT / folder, source / folder, ignore=ignore)
    out = work / "dist"
    result = subprocess.run(
        [sys.executable, "-m", "build", "--wheel", "--no-isolation", "--outdir", str(out)],
        cwd=source,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, f"wheel build failed:\n{result.stdout}\n{result.stderr}"
    (wheel,) = out.glob("tukiverkko-*.whl")
    with zipfile.ZipFile(wheel) as archive:
        names = {name for name in archive.namelist() if not name.endswith("/")}
    return Build(source=source, wheel_names=names)


def test_wheel_contains_every_module_and_data_file(build: Build) -> None:
    dirs = _package_dirs(build.source)
    expected = _tree_python_files(build.source) | _tree_files(build.source, DATA_GLOBS)
    missing = sorted(
        f"{relative} -> {_wheel_path(relative, dirs)}"
        for relative in expected
        if _wheel_path(relative, dirs) not in build.wheel_names
    )
    assert not missing, (
        "files of the tree missing from the wheel (is the package listed in "
        "[tool.setuptools] packages, the data file in package-data?):\n" + "\n".join(missing)
    )


def test_wheel_has_no_python_file_the_tree_lacks(build: Build) -> None:
    dirs = _package_dirs(build.source)
    from_tree = {_wheel_path(relative, dirs) for relative in _tree_python_files(build.source)}
    extra = sorted(
        name for name in build.wheel_names if name.endswith(".py") and name not in from_tree
    )
    assert not extra, "Python files in the wheel that are not in the tree:\n" + "\n".join(extra)


def test_the_mapping_covers_the_four_folders() -> None:
    folders = {str(folder) for folder in _package_dirs()}
    assert set(TOP_LEVEL_FOLDERS) <= folders


@pytest.mark.parametrize("folder", TOP_LEVEL_FOLDERS)
def test_top_level_folder_has_no_init(folder: str) -> None:
    # An __init__.py here would shadow the standard library's `platform` (and friends).
    assert not (ROOT / folder / "__init__.py").exists()


# -- commands run from the repository root ------------------------------------------------


@pytest.fixture(scope="module")
def root_env(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    """The environment of a command from the root: nothing of ours but a throwaway var dir."""
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("TUKIVERKKO_", "FLASK_")) and key != "PYTHONPATH"
    }
    env["TUKIVERKKO_VAR_DIR"] = str(tmp_path_factory.mktemp("var"))
    env["PATH"] = f"{BIN}{os.pathsep}{env.get('PATH', '')}"
    return env


def run_from_root(args: list[str], env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    result = subprocess.run(
        args, cwd=ROOT, env=env, capture_output=True, text=True, timeout=120, check=False
    )
    assert result.returncode == 0, (
        f"{' '.join(args)} exited {result.returncode}:\n{result.stdout}\n{result.stderr}"
    )
    return result


def test_python_c_imports_the_standard_platform(root_env: dict[str, str]) -> None:
    code = "import platform; print(platform.python_version())"
    result = run_from_root([sys.executable, "-c", code], root_env)
    assert result.stdout.strip() == platform.python_version()


def test_rq_and_platform_import_together(root_env: dict[str, str]) -> None:
    code = "import rq, platform; print(platform.python_implementation())"
    result = run_from_root([sys.executable, "-c", code], root_env)
    assert result.stdout.strip() == platform.python_implementation()


def _listed_commands(help_text: str) -> set[str]:
    section = help_text.split("Commands:", 1)[1]
    return {line.split()[0] for line in section.splitlines() if line.startswith("  ")}


@pytest.mark.parametrize(
    "command",
    [[sys.executable, "-m", "tukiverkko"], [str(BIN / "tukiverkko")]],
    ids=["python -m tukiverkko", "console script"],
)
def test_tukiverkko_command_lists_its_commands(
    command: list[str], root_env: dict[str, str]
) -> None:
    result = run_from_root([*command, "--help"], root_env)
    assert {"db", "demo", "worker", "run"} <= _listed_commands(result.stdout)


def test_flask_cli_finds_the_app_from_the_root(root_env: dict[str, str]) -> None:
    result = run_from_root(
        [str(BIN / "flask"), "--app", "tukiverkko.platform.app:create_app", "routes"], root_env
    )
    assert "/healthz" in result.stdout.split()


def test_gunicorn_loads_the_wsgi_app_from_the_root(root_env: dict[str, str]) -> None:
    run_from_root(
        [str(BIN / "gunicorn"), "--check-config", "tukiverkko.platform.wsgi:app"], root_env
    )


def test_rq_command_runs_from_the_root(root_env: dict[str, str]) -> None:
    result = run_from_root([str(BIN / "rq"), "info", "--help"], root_env)
    assert "Usage" in result.stdout
