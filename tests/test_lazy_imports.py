"""A serving process imports only what serving needs: ``create_app()`` leaves out what only the
``flask db`` commands use (Flask-Migrate, alembic, mako: ≈ 11 MiB a process) and boto3/botocore
until a file is stored or read in the bucket, even with S3 configured (bench/RESULTS.md, "Under
load"). Checked in a fresh interpreter, whose ``sys.modules`` no other test has filled."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

NOT_FOR_SERVING = ("flask_migrate", "alembic", "mako", "boto3", "botocore", "s3transfer")
CHECK = ("import json, sys\n"
         "from extranet import create_app\n"
         "create_app()\n"
         "print(json.dumps(sorted({name.split('.')[0] for name in sys.modules})))\n")


def imported_by_create_app(tmp_path, **settings) -> set[str]:
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith("EXTRANET_")},
        "EXTRANET_DATABASE_URL": f"sqlite:///{tmp_path / 'app.db'}",
        "EXTRANET_SECRET_KEY": "lazy-imports",
        "EXTRANET_INSTANCE_PATH": str(tmp_path / "instance"),
        **settings,
    }
    done = subprocess.run([sys.executable, "-c", CHECK], env=env, capture_output=True, text=True, check=True)  # noqa: S603
    return set(json.loads(done.stdout.splitlines()[-1]))


@pytest.mark.parametrize("storage", ["local", "s3"])
def test_create_app_imports_no_migration_tool_nor_s3_client(tmp_path, storage):
    settings = {"EXTRANET_STORAGE_URL": f"file://{tmp_path / 'files'}"} if storage == "local" else {
        "EXTRANET_STORAGE_URL": "s3://a-bucket/objects", "EXTRANET_S3_ENDPOINT_URL": "http://127.0.0.1:9",
        "AWS_ACCESS_KEY_ID": "x", "AWS_SECRET_ACCESS_KEY": "x", "AWS_DEFAULT_REGION": "us-east-1"}
    imported = imported_by_create_app(tmp_path, **settings)
    assert "extranet" in imported and "sqlalchemy" in imported  # the check itself works
    assert imported.isdisjoint(NOT_FOR_SERVING), sorted(imported & set(NOT_FOR_SERVING))


def test_the_db_commands_still_reach_flask_migrate(tmp_path):
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith("EXTRANET_")},
        "EXTRANET_DATABASE_URL": f"sqlite:///{tmp_path / 'app.db'}",
        "EXTRANET_SECRET_KEY": "lazy-imports",
        "EXTRANET_INSTANCE_PATH": str(tmp_path / "instance"),
    }
    flask = [sys.executable, "-m", "flask", "--app", "extranet"]
    listed = subprocess.run([*flask, "--help"], env=env, capture_output=True, text=True, check=True)  # noqa: S603
    assert "Perform database migrations." in listed.stdout
    upgraded = subprocess.run([*flask, "db", "upgrade", "heads"], env=env, capture_output=True, text=True)  # noqa: S603
    assert upgraded.returncode == 0, upgraded.stderr[-2000:]
    current = subprocess.run([*flask, "db", "current"], env=env, capture_output=True, text=True, check=True)  # noqa: S603
    assert "(head)" in current.stdout
