"""What the tests' own servers share: a free port of 127.0.0.1, a Debian binary found, a
process stopped whatever state it is in, a gunicorn node started and answering."""

from __future__ import annotations

import contextlib
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def system_binary(name: str, path: str) -> str | None:
    """``name`` on the PATH, or where Debian installs it (``/usr/sbin`` is not on every PATH)."""
    return shutil.which(name) or (path if Path(path).exists() else None)


def stop(process: subprocess.Popen) -> None:
    process.terminate()
    try:
        process.wait(10)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


@contextlib.contextmanager
def gunicorn_node(options: list[str], env: dict) -> Iterator[tuple[subprocess.Popen, str]]:
    """``gunicorn OPTIONS --bind <a free port> extranet.wsgi:app`` from this interpreter's
    environment, once it answers ``GET /login``: (the master's process, its base URL)."""
    import pytest
    import requests

    port = free_port()
    process = subprocess.Popen(  # noqa: S603 - our own command
        [str(Path(sys.executable).parent / "gunicorn"), *options, "--bind", f"127.0.0.1:{port}", "extranet.wsgi:app"],
        env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        for _attempt in range(600):  # bounded: 60 s at most to import, warm up and bind
            if process.poll() is not None:
                pytest.fail(f"the node stopped: {process.stderr.read()[-3000:]}")
            with contextlib.suppress(requests.ConnectionError):
                if requests.get(f"{base}/login", timeout=60).status_code == 200:  # a loaded machine
                    break
            time.sleep(0.1)
        else:
            pytest.fail("the node did not answer within 60 s")
        yield process, base
    finally:
        process.terminate()
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
