"""A newcomer's set-up: `make run` on another port, and an install that warns about nothing."""

from __future__ import annotations

import shutil
import subprocess
import tomllib
from pathlib import Path

from extranet.config import build_config

ROOT = Path(__file__).resolve().parent.parent


def test_links_point_at_the_port_served_without_a_base_url(monkeypatch, tmp_path):
    monkeypatch.delenv("EXTRANET_BASE_URL", raising=False)
    monkeypatch.setenv("FLASK_RUN_PORT", "8000")
    assert build_config(tmp_path)["BASE_URL"] == "http://127.0.0.1:8000"

    monkeypatch.setenv("EXTRANET_BASE_URL", "https://extranet.example.coop/")
    assert build_config(tmp_path)["BASE_URL"] == "https://extranet.example.coop"


def test_a_server_listening_everywhere_is_linked_locally(monkeypatch, tmp_path):
    monkeypatch.delenv("EXTRANET_BASE_URL", raising=False)
    monkeypatch.delenv("FLASK_RUN_PORT", raising=False)
    monkeypatch.setenv("FLASK_RUN_HOST", "0.0.0.0")  # noqa: S104
    assert build_config(tmp_path)["BASE_URL"] == "http://127.0.0.1:5000"


def test_make_run_serves_and_links_on_the_port_it_is_given():
    """`PORT=8000 make run`: flask run and the e-mailed links both read FLASK_RUN_PORT."""
    shown = subprocess.run(  # noqa: S603
        [shutil.which("make"), "-s", "--eval", "show-port: ; @echo $$FLASK_RUN_HOST:$$FLASK_RUN_PORT", "show-port"],
        cwd=ROOT, env={"PATH": "/usr/bin:/bin", "PORT": "8000"}, capture_output=True, text=True, check=True,
    )
    assert shown.stdout.strip() == "127.0.0.1:8000"


def test_the_licence_is_an_spdx_expression_so_installs_do_not_warn():
    for pyproject in [ROOT / "pyproject.toml", *ROOT.glob("plugins/*/pyproject.toml"),
                      *ROOT.glob("examples/*/pyproject.toml")]:
        metadata = tomllib.loads(pyproject.read_text())
        assert isinstance(metadata["project"].get("license", ""), str), pyproject
