"""The core installed from its wheel rather than from a checkout: its migrations and templates
travel inside the package (setup.py), so an empty database upgrades and a page is served."""

from __future__ import annotations

import shutil
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

from tests.daemons import free_port

ROOT = Path(__file__).resolve().parent.parent
# What the wheel is built from: the core's own files, not the checkout's other projects.
LEFT_OUT = shutil.ignore_patterns(".*", "instance", "test-results", "build", "dist", "*.egg-info",
                                  "__pycache__", "plugins", "examples", "tests", "bench", "docs")


def run(*command, **kwargs) -> str:
    return subprocess.run(command, check=True, capture_output=True, text=True, **kwargs).stdout  # noqa: S603


def test_the_wheel_installs_upgrades_an_empty_database_and_serves_a_page(tmp_path):
    source = tmp_path / "source"
    shutil.copytree(ROOT, source, ignore=LEFT_OUT)
    # Built with this environment's setuptools, as CI has no other; the wheel is a plain one.
    run(sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "--no-build-isolation",
        "--wheel-dir", str(tmp_path / "dist"), str(source))
    wheel, = (tmp_path / "dist").glob("coop_extranet-*.whl")
    run(sys.executable, "-m", "venv", str(tmp_path / "venv"))
    bin_dir = tmp_path / "venv" / "bin"
    run(str(bin_dir / "pip"), "install", "--quiet", "--disable-pip-version-check", str(wheel))

    env = {"PATH": f"{bin_dir}:/usr/bin:/bin", "HOME": str(tmp_path), "FLASK_APP": "extranet",
           "EXTRANET_INSTANCE_PATH": str(tmp_path / "instance"), "FLASK_RUN_HOST": "127.0.0.1",
           "FLASK_RUN_PORT": str(free_port())}
    installed = run(str(bin_dir / "python"), "-c", "import extranet; print(extranet.__file__)", cwd=tmp_path, env=env)
    assert installed.startswith(str(tmp_path / "venv"))
    run(str(bin_dir / "flask"), "db", "upgrade", "heads", cwd=tmp_path, env=env)

    server = subprocess.Popen([str(bin_dir / "flask"), "run"], cwd=tmp_path, env=env,  # noqa: S603
                              stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    base = f"http://127.0.0.1:{env['FLASK_RUN_PORT']}"
    try:
        page = None
        for _ in range(100):
            try:
                with urllib.request.urlopen(base + "/login") as response:  # noqa: S310
                    page = response.read().decode()
                break
            except OSError:
                if server.poll() is not None:
                    raise AssertionError(server.stderr.read()) from None
                time.sleep(0.1)
        assert page and 'name="password"' in page, page
        with urllib.request.urlopen(base + "/static/app.css") as response:  # noqa: S310
            assert response.status == 200
    finally:
        server.terminate()
        server.wait(timeout=10)
    assert (tmp_path / "instance" / "extranet.db").is_file()  # the instance folder outside the package
