"""A third-party plugin, installed with pip like any other (examples/extranet-communications).

The module installs the example distribution (not editable) with pip into a folder of its own,
put on the path for the module's duration: nothing of the core or of the test suite knows it
by name, the application finds it through its entry point. The virtual environment itself is
left as it was, so another test run on the same environment never meets the plugin.
"""

from __future__ import annotations

import importlib
import importlib.util
import os
import re
import shutil
import subprocess
import sys
from datetime import date, timedelta
from pathlib import Path
from types import SimpleNamespace

import pytest

from extranet.plugins import host
from extranet.testing import csrf_token

EXAMPLE = Path(__file__).parent.parent / "examples" / "extranet-communications"
PACKAGE = "extranet_communications"


def _pip(*args: str) -> None:
    result = subprocess.run([sys.executable, "-m", "pip", *args], capture_output=True, text=True)  # noqa: S603 (our own arguments)
    assert result.returncode == 0, result.stdout + result.stderr


def _setuptools_builds_wheels() -> bool:
    """Whether the venv's own setuptools can build a wheel without an isolated environment
    (setuptools ≥ 70.1 has bdist_wheel built in; older ones need the ``wheel`` package)."""
    try:
        import setuptools
    except ImportError:
        return False
    major, minor = (int(part) for part in setuptools.__version__.split(".")[:2])
    return (major, minor) >= (70, 1) or importlib.util.find_spec("wheel") is not None


@pytest.fixture(scope="module")
def installed(tmp_path_factory):
    # Build from a copy, so that setuptools' build/ and egg-info never land in the repository.
    source = tmp_path_factory.mktemp("example") / EXAMPLE.name
    shutil.copytree(EXAMPLE, source, ignore=shutil.ignore_patterns("build", "*.egg-info", "__pycache__"))
    site = tmp_path_factory.mktemp("site")
    isolation = ["--no-build-isolation"] if _setuptools_builds_wheels() else []
    _pip("install", "-q", "--no-deps", *isolation, "--target", str(site), str(source))
    sys.path.insert(0, str(site))
    importlib.invalidate_caches()
    yield SimpleNamespace(source=source, site=site)
    sys.path.remove(str(site))
    importlib.invalidate_caches()
    for name in [m for m in sys.modules if m == PACKAGE or m.startswith(PACKAGE + ".")]:
        del sys.modules[name]


pytestmark = pytest.mark.usefixtures("installed")


@pytest.fixture
def people(people, app):
    """The pages are checked in French: everyone here speaks it, the product's default."""
    return _speak_french(app, people)


def _speak_french(app, people):
    """Set the ``people`` fixture's users' language to French (the test default is English)."""
    from extranet.accounts.models import User
    from extranet.extensions import db

    ids = [p.id for p in vars(people).values() if hasattr(p, "email")]
    with app.app_context():
        db.session.execute(db.update(User).where(User.id.in_(ids)).values(locale="fr_CA"))
        db.session.commit()
    return people


def _token(client) -> str:
    return csrf_token(client, "/")


def _reference(response) -> str:
    assert response.status_code == 303, response.get_data(as_text=True)[:1000]
    return response.location.rstrip("/").split("/")[-1]


def _state(app, reference: str) -> str:
    from extranet.extensions import db
    from extranet.requests.models import ServiceRequest

    with app.app_context():
        return db.session.scalar(db.select(ServiceRequest.state).filter_by(reference=reference))


def test_the_installed_plugin_is_discovered_through_its_entry_point(app):
    from importlib.metadata import entry_points

    assert [ep.value for ep in entry_points(group="extranet.plugins", name="communications")] == [PACKAGE]
    module = importlib.import_module(PACKAGE)
    assert str(EXAMPLE) not in module.__file__  # the installed copy, not the source tree
    with app.app_context():
        field = host().fields["communications"]
        assert (field.prefix, field.order) == ("COM", 60)
        assert [t.slug for t in host().types_of("communications")] == ["press_release", "newsletter"]
        assert host().versions["communications"] == "0.1.0"
    listing = app.test_cli_runner().invoke(args=["plugins"])
    assert listing.exit_code == 0, listing.output
    assert re.search(r"^communications\s+0\.1\.0\s+enabled\s+Communications$", listing.output, re.M), listing.output


def test_the_installed_plugin_ships_its_compiled_french_catalog():
    from babel.messages.mofile import read_mo

    folder = Path(importlib.import_module(PACKAGE).__file__).parent
    with (folder / "translations" / "fr_CA" / "LC_MESSAGES" / "messages.mo").open("rb") as fh:
        catalog = read_mo(fh)
    assert catalog["Press release"].string == "Communiqué de presse"
    assert all(message.string for message in catalog if message.id)


def test_a_member_files_a_communications_request_end_to_end(app, people, client_for):
    member = client_for(app, people.member_a)
    home = member.get("/communications/")
    assert home.status_code == 200
    html = home.get_data(as_text=True)
    assert "notre équipe des communications" in html  # its own French catalog is installed too
    assert 'href="/requests/new/communications/press_release"' in html
    assert "Aucune demande dans ce domaine pour l’instant." in html  # the core's home page
    assert 'data-field="communications"' in member.get("/").get_data(as_text=True)

    form = member.get("/requests/new/communications/press_release")
    assert form.status_code == 200 and "Qu’annoncez-vous?" in form.get_data(as_text=True)
    publication = date.today() + timedelta(days=10)
    data = {"title": "Nouvelle épicerie", "announcement": "Ouverture le 1er juin",
            "due_date": publication.isoformat(), "spokesperson": "Marie Roy", "csrf_token": _token(member)}
    invalid = member.post("/requests/new/communications/press_release", data={**data, "announcement": ""})
    assert invalid.status_code == 422
    reference = _reference(member.post("/requests/new/communications/press_release", data=data))
    assert re.fullmatch(rf"COM-{date.today().year}-0001", reference)
    detail = member.get(f"/requests/{reference}").get_data(as_text=True)
    assert "Marie Roy" in detail and "Porte-parole" in detail
    assert f'href="/requests/{reference}"' in member.get("/communications/").get_data(as_text=True)
    assert reference in client_for(app, people.manager_a).get("/requests/").get_data(as_text=True)

    # The cooperative's expert works it through the standard workflow; the member closes it.
    expert = client_for(app, people.expert)
    assert expert.post(f"/requests/{reference}/take", data={"csrf_token": _token(expert)}).status_code == 303
    for slug in ("accept", "start", "deliver"):
        response = expert.post(f"/requests/{reference}/transition/{slug}", data={"csrf_token": _token(expert)})
        assert response.status_code == 303, slug
    assert _state(app, reference) == "delivered"
    closed = member.post(f"/requests/{reference}/transition/close", data={"csrf_token": _token(member)})
    assert closed.status_code == 303 and _state(app, reference) == "closed"
    # Organization B sees none of it.
    assert client_for(app, people.member_b).get(f"/requests/{reference}").status_code == 404


def test_an_admin_disables_the_plugin(app, people, client_for):
    member = client_for(app, people.member_a)
    data = {"title": "Infolettre de juin", "audience": "members", "topics": "AGA\nNouveaux membres",
            "issue_date": (date.today() + timedelta(days=5)).isoformat(), "csrf_token": _token(member)}
    reference = _reference(member.post("/requests/new/communications/newsletter", data=data))

    admin = client_for(app, people.admin)
    assert "communications" in admin.get("/admin/modules").get_data(as_text=True)
    response = admin.post("/admin/modules/communications", data={"enabled": "0", "csrf_token": _token(admin)})
    assert response.status_code == 303

    assert member.get("/communications/").status_code == 404
    assert member.get("/requests/new/communications/newsletter").status_code == 404
    # Her request is kept: she is told its service is paused, not that it does not exist.
    assert member.get(f"/requests/{reference}").status_code == 403
    assert 'data-field="communications"' not in member.get("/").get_data(as_text=True)
    assert admin.get("/communications/").status_code == 404
    assert admin.get(f"/requests/{reference}").status_code == 200  # its data stays, read-only for admins

    response = admin.post("/admin/modules/communications", data={"enabled": "1", "csrf_token": _token(admin)})
    assert response.status_code == 303
    assert member.get("/communications/").status_code == 200
    assert 'data-field="communications"' in member.get("/").get_data(as_text=True)


def test_the_plugins_own_suite_passes_from_its_own_folder(installed):
    """As its author runs it: ``pytest`` in the plugin's folder, with the plugin installed and no
    option, conftest or path of the core's. The fixtures come from the core's pytest11 entry
    point, the plugin's migration branch upgrades the suite's own database."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTEST_", "EXTRANET_TEST_POSTGRES"))}
    # (On SQLite: the PostgreSQL database is this session's, which the suite would rebuild.)
    env["PYTHONPATH"] = str(installed.site)
    # ``-P``: the plugin's folder is not put on the path, so the suite imports the installed plugin.
    result = subprocess.run(  # noqa: S603 (our own arguments)
        [sys.executable, "-P", "-m", "pytest", "-p", "no:cacheprovider"],
        cwd=installed.source, env=env, capture_output=True, text=True,
    )
    assert result.returncode == 0, result.stdout[-5000:] + result.stderr[-2000:]
    # Its own folder and settings; the fixtures' plugin named by the distribution that declares it.
    folder = re.escape(str(installed.source))
    assert re.search(rf"^rootdir: {folder}\nconfigfile: pyproject.toml", result.stdout, re.M), result.stdout[:1000]
    assert re.search(r"^plugins: .*coop-extranet-0\.1\.0", result.stdout, re.M), result.stdout[:1000]
    summary = re.search(r"(\d+) passed", result.stdout.splitlines()[-1])
    assert summary and int(summary.group(1)) >= 10, result.stdout[-2000:]
