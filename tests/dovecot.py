"""A real IMAP server (Debian's ``dovecot-imapd``) for the tests, started once per test session.

It runs from a configuration of its own in a temporary folder, on free ports of 127.0.0.1:
IMAP in clear and IMAPS with a self-signed certificate for 127.0.0.1, one user whose mail is a
Maildir in that folder. Run as root (CI), its mail processes take the ``dovecot`` system user,
as Dovecot refuses to touch mail as root; run as anyone else, everything runs as that user.
"""

from __future__ import annotations

import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from tests.daemons import free_port, stop, system_binary

USER, PASSWORD = "inbox@in.test.org", "imap secret"
START_TIMEOUT = 30.0


def dovecot_binary() -> str | None:
    return system_binary("dovecot", "/usr/sbin/dovecot")


@dataclass
class Dovecot:
    process: subprocess.Popen
    directory: Path
    port: int
    ssl_port: int
    certificate: Path  # what a client must trust for IMAPS

    def url(self, scheme: str = "imap", mailbox: str = "INBOX", query: str = "") -> str:
        from urllib.parse import quote

        port = self.ssl_port if scheme == "imaps" else self.port
        return f"{scheme}://{quote(USER, safe='')}:{quote(PASSWORD, safe='')}@127.0.0.1:{port}/{mailbox}{query}"

    def stop(self) -> None:
        stop(self.process)
        shutil.rmtree(self.directory, ignore_errors=True)


def _answers(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=2) as sock:
            return sock.recv(64).startswith(b"* OK")
    except OSError:
        return False


def start_dovecot(binary: str) -> Dovecot:
    # Not under pytest's temporary folder: that one is private to root, and the mail processes
    # of a root run take another user.
    directory = Path(tempfile.mkdtemp(prefix="extranet-dovecot-"))
    directory.chmod(0o755)
    if os.geteuid() == 0:
        mail_user = pwd.getpwnam("dovecot")
        login_user, internal_user = "dovenull", "dovecot"
    else:
        mail_user = pwd.getpwuid(os.geteuid())
        login_user = internal_user = mail_user.pw_name
    home = directory / "home"
    home.mkdir()
    if os.geteuid() == 0:
        os.chown(home, mail_user.pw_uid, mail_user.pw_gid)
    certificate, key = directory / "cert.pem", directory / "key.pem"
    subprocess.run(  # noqa: S603 - a throwaway certificate for the IMAPS port
        [shutil.which("openssl") or "/usr/bin/openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj", "/CN=127.0.0.1",
         "-addext", "subjectAltName=IP:127.0.0.1", "-keyout", str(key), "-out", str(certificate)],
        check=True, capture_output=True,
    )
    (directory / "passwd").write_text(f"{USER}:{{PLAIN}}{PASSWORD}\n")
    port, ssl_port = free_port(), free_port()
    config = directory / "dovecot.conf"
    config.write_text("\n".join([
        f"base_dir = {directory}/run",
        f"state_dir = {directory}/state",
        f"log_path = {directory}/dovecot.log",
        "protocols = imap",
        "listen = 127.0.0.1",
        "ssl = yes",
        f"ssl_cert = <{certificate}",
        f"ssl_key = <{key}",
        "disable_plaintext_auth = no",
        "auth_mechanisms = plain login",
        f"default_login_user = {login_user}",
        f"default_internal_user = {internal_user}",
        f"first_valid_uid = {mail_user.pw_uid}",
        f"last_valid_uid = {mail_user.pw_uid}",
        f"mail_location = maildir:{home}/Maildir",
        "passdb {", "  driver = passwd-file", f"  args = scheme=PLAIN username_format=%u {directory}/passwd", "}",
        "userdb {", "  driver = static",
        f"  args = uid={mail_user.pw_uid} gid={mail_user.pw_gid} home={home}", "}",
        "service imap-login {",
        f"  inet_listener imap {{\n    address = 127.0.0.1\n    port = {port}\n  }}",
        f"  inet_listener imaps {{\n    address = 127.0.0.1\n    port = {ssl_port}\n    ssl = yes\n  }}",
        "}",
        "service stats {", "  unix_listener stats-reader {", f"    user = {internal_user}", "  }",
        "  unix_listener stats-writer {", f"    user = {internal_user}", "  }", "}",
        "",
    ]))
    began = time.monotonic()
    process = subprocess.Popen([binary, "-F", "-c", str(config)],  # noqa: S603 - our dovecot
                               stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT)
    while not (_answers(port) and _answers_tls(ssl_port)):
        if process.poll() is not None or time.monotonic() - began > START_TIMEOUT:
            process.kill()
            process.wait()
            log = directory / "dovecot.log"
            raise RuntimeError(f"dovecot did not start: {log.read_text() if log.exists() else 'no log'}")
        time.sleep(0.05)
    return Dovecot(process, directory, port, ssl_port, certificate)


def _answers_tls(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=2):
            return True
    except OSError:
        return False
