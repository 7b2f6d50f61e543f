"""What a plugin author is given holds its promises: a plugin's code imports the core only
through ``extranet.api``, its tests also through ``extranet.plugin_testing``, and the fixtures
load by themselves wherever the core is installed."""

from __future__ import annotations

import ast
import tomllib
from importlib.metadata import entry_points
from pathlib import Path

ROOT = Path(__file__).parent.parent
DISTRIBUTIONS = sorted([*ROOT.glob("plugins/*/pyproject.toml"), *ROOT.glob("examples/*/pyproject.toml")])
PUBLIC = {"extranet.api"}
PUBLIC_FOR_TESTS = {"extranet.api", "extranet.plugin_testing"}


def _core_imports(path: Path) -> set[str]:
    """The modules of the core (``extranet`` and below) that the file imports."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            # ``from extranet import plugin_testing`` imports the module it names.
            names = [f"extranet.{alias.name}" for alias in node.names] if node.module == "extranet" else [node.module]
        else:
            continue
        found.update(name for name in names if name == "extranet" or name.startswith("extranet."))
    return found


def _files(folder: Path, *, tests: bool) -> list[Path]:
    return [p for p in folder.rglob("*.py")
            if ("tests" in p.relative_to(folder).parts) == tests and "migrations" not in p.parts
            and ".egg-info" not in str(p) and "build" not in p.relative_to(folder).parts]


def test_every_plugin_distribution_has_code_and_tests():
    assert len(DISTRIBUTIONS) >= 5, DISTRIBUTIONS  # four built-in fields and the example
    for pyproject in DISTRIBUTIONS:
        assert _files(pyproject.parent, tests=False), pyproject.parent
        assert _files(pyproject.parent, tests=True), f"{pyproject.parent} has no tests"


def test_plugins_import_the_core_only_through_its_public_api():
    wrong = {}
    for pyproject in DISTRIBUTIONS:
        for path in _files(pyproject.parent, tests=False):
            if bad := _core_imports(path) - PUBLIC:
                wrong[str(path.relative_to(ROOT))] = sorted(bad)
    assert not wrong, f"import these through extranet.api: {wrong}"


def test_plugin_tests_use_only_the_public_api_and_the_plugin_test_kit():
    wrong = {}
    for pyproject in DISTRIBUTIONS:
        for path in _files(pyproject.parent, tests=True):
            if bad := _core_imports(path) - PUBLIC_FOR_TESTS:
                wrong[str(path.relative_to(ROOT))] = sorted(bad)
    assert not wrong, f"offer what these need in extranet.plugin_testing: {wrong}"


def test_the_fixtures_load_through_the_cores_pytest11_entry_point():
    declared = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["entry-points"]["pytest11"]
    assert declared == {"extranet": "extranet.testing"}
    # The installed core says so too: pytest loads it for any suite run in this environment.
    assert [ep.value for ep in entry_points(group="pytest11", name="extranet")] == ["extranet.testing"]


def test_nothing_loads_the_fixtures_by_hand():
    """``-p extranet.testing`` beside the entry point would register the plugin twice; a
    conftest that imports it would hide a broken entry point from the core's own suite."""
    configs = [ROOT / "pyproject.toml", ROOT / "Makefile", *ROOT.glob("**/conftest.py"),
               *ROOT.glob("plugins/*/pyproject.toml"), *ROOT.glob("examples/*/pyproject.toml"),
               *ROOT.glob(".ci/*")]
    for path in configs:
        if ".venv" in path.parts:
            continue
        text = path.read_text()
        assert "-p extranet" not in text, path
        if path.name == "conftest.py":
            assert "extranet.testing" not in _core_imports(path), path
            assert "pytest_plugins" not in text, path
