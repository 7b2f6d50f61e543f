"""What the tests' own servers share: a free port of 127.0.0.1, a Debian binary found, a
process stopped whatever state it is in."""

from __future__ import annotations

import shutil
import socket
import subprocess
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
