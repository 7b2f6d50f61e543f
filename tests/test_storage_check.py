"""``flask --app extranet storage check [--verify] [--repair]``: orphan objects, missing and
corrupt files, unfinished uploads; failed uploads (fault injection) leave no orphan."""

from __future__ import annotations

import hashlib
import io
import os
import time
from datetime import UTC, datetime, timedelta

import pytest

from extranet.testing import csrf_token
from tests.sample_plugin import SamplePlugin
from tests.test_attachments import PDF, PNG, attachment_rows, counts, file_request, send
from tests.test_storage_s3 import s3_bucket, s3_endpoint  # noqa: F401 - fixtures


@pytest.fixture(params=["local", "s3"])
def backend(request):
    return request.param


@pytest.fixture
def app(register_plugin, backend, request, tmp_path):
    """The sample field, its files on the local disk or in an S3 bucket."""
    if backend == "local":
        return register_plugin(SamplePlugin(), STORAGE_URL=f"file://{tmp_path / 'objects'}")
    endpoint = request.getfixturevalue("s3_endpoint")
    bucket = request.getfixturevalue("s3_bucket")
    return register_plugin(SamplePlugin(), STORAGE_URL=f"s3://{bucket}/files", S3_ENDPOINT_URL=endpoint)


def storage_of(app):
    from extranet.storage import get_storage

    with app.app_context():
        return get_storage()


def run_check(app, *options):
    return app.test_cli_runner().invoke(args=["storage", "check", *options])


def report(app, **kwargs):
    from extranet.files.check import check_storage

    with app.app_context():
        return check_storage(storage_of(app), **kwargs)


def with_message(app, client_for, people, files=((PDF, "contrat.pdf"), (PNG, "photo.png"))):
    member = client_for(app, people.member_a)
    reference = file_request(member)
    assert send(member, reference, files=list(files)).status_code == 303
    return member, reference


def plant(app, data=b"nobody references me") -> str:
    return storage_of(app).save(io.BytesIO(data)).key


# -- a consistent storage ---------------------------------------------------------------------


def test_clean_storage_passes(app, client_for, people):
    with_message(app, client_for, people)
    result = run_check(app, "--verify")
    assert result.exit_code == 0, result.output
    assert "2 objects, 2 rows referencing one." in result.output
    assert "Orphan objects (stored, no row): 0" in result.output
    assert "Missing files (row, no object): 0" in result.output
    assert "Corrupt files (sha256 mismatch): 0" in result.output
    assert "Storage is consistent with the database." in result.output


def test_document_versions_count_as_references(app, people):
    from extranet.documents.models import Document, DocumentVersion
    from extranet.extensions import db

    storage = storage_of(app)
    data = b"%PDF-1.4\nstatuts\n%%EOF\n"
    kept = storage.save(io.BytesIO(data))
    with app.app_context():
        document = Document(organization_id=people.org_a, field="sample", title="Statuts")
        document.versions.append(DocumentVersion(
            number=1, storage_key=kept.key, filename="statuts.pdf", size=kept.size, sha256=kept.sha256,
            mime="application/pdf",
        ))
        document.versions.append(DocumentVersion(
            number=2, storage_key="f" * 32, filename="statuts-v2.pdf", size=3, sha256="0" * 64,
            mime="application/pdf",
        ))
        db.session.add(document)
        db.session.commit()
        version_id = document.versions[1].id
    found = report(app, verify=True)
    assert found.orphans == [] and found.corrupt == []
    assert [(r.kind, r.id, r.key) for r in found.missing] == [("document version", version_id, "f" * 32)]
    result = run_check(app)
    assert result.exit_code == 1
    assert f"document version {version_id} (document " in result.output and "statuts-v2.pdf" in result.output


# -- fault injection: failed uploads leave no orphan ------------------------------------------


def test_a_failing_commit_leaves_no_orphan(app, client_for, people, monkeypatch, break_commit):
    member = client_for(app, people.member_a)
    reference = file_request(member)
    token = csrf_token(member, "/requests/")
    storage = storage_of(app)
    written = break_commit(lambda: sorted(storage.keys()))
    with pytest.raises(RuntimeError, match="went away"):
        send(member, reference, body="Avec pièces", files=[(PDF, "a.pdf"), (PNG, "b.png")], token=token)
    monkeypatch.undo()
    assert len(written) == 1 and len(written[0]) == 2  # the objects existed at commit time
    assert counts(app) == (0, 0)
    found = report(app, grace=timedelta(0))
    assert found.orphans == [] and found.missing == [] and found.unfinished == [] and found.clean
    result = run_check(app, "--grace-minutes", "0")
    assert result.exit_code == 0, result.output
    assert "0 objects, 0 rows" in result.output


def test_a_storage_write_failure_leaves_no_orphan(app, client_for, people, backend, monkeypatch):
    member = client_for(app, people.member_a)
    reference = file_request(member)
    if backend == "local":
        from extranet.storage.local import LocalStorage

        calls = []

        def failing_write(self, handle, chunk):
            calls.append(1)
            if len(calls) == 3:
                raise OSError(28, "No space left on device")
            handle.write(chunk)

        monkeypatch.setattr(LocalStorage, "_write", failing_write)
    else:
        from botocore.exceptions import EndpointConnectionError

        from extranet.storage import s3

        reads = []
        original = s3._HashingReader.read

        def failing_read(self, size=-1):
            reads.append(1)
            if len(reads) == 4:  # in the second file: the first one is stored already
                raise EndpointConnectionError(endpoint_url="http://s3.invalid")
            return original(self, size)

        monkeypatch.setattr(s3._HashingReader, "read", failing_read)
    first = b"a" * (1024 * 1024 + 10)
    second = b"b" * (9 * 1024 * 1024)
    response = send(member, reference, files=[(first, "un.txt"), (second, "deux.txt")])
    assert response.status_code == 422
    assert "deux.txt could not be saved" in response.get_data(as_text=True)
    monkeypatch.undo()
    assert counts(app) == (0, 0)
    found = report(app, grace=timedelta(0))
    assert (found.objects, found.orphans, found.unfinished) == (0, [], [])
    assert run_check(app, "--grace-minutes", "0").exit_code == 0


# -- orphans, missing and corrupt files -------------------------------------------------------


def test_a_planted_orphan_is_reported_then_removed_by_repair(app, client_for, people):
    with_message(app, client_for, people)
    orphan = plant(app)

    result = run_check(app, "--grace-minutes", "0")
    assert result.exit_code == 1
    assert "Orphan objects (stored, no row): 1" in result.output
    assert orphan in result.output and "run with --repair to delete" in result.output
    assert "1 problem(s) remain." in result.output
    assert storage_of(app).exists(orphan)

    result = run_check(app, "--repair", "--grace-minutes", "0")
    assert result.exit_code == 0, result.output
    assert f"{orphan}" in result.output and "[deleted]" in result.output
    assert not storage_of(app).exists(orphan)
    assert len(list(storage_of(app).keys())) == 2  # the referenced ones are untouched
    assert run_check(app).exit_code == 0


def test_a_recent_orphan_is_kept_by_repair(app):
    orphan = plant(app)
    result = run_check(app, "--repair")  # default grace: one hour
    assert result.exit_code == 0, result.output
    assert orphan in result.output and "younger than 60 min" in result.output
    assert storage_of(app).exists(orphan)
    # An hour and more later it is fair game.
    later = report(app, repair=True, now=datetime.now(UTC) + timedelta(hours=2))
    assert later.deleted == [orphan] and not storage_of(app).exists(orphan)


def test_repair_never_deletes_an_object_a_row_took_meanwhile(app, monkeypatch, client_for, people):
    from extranet.files import check

    with_message(app, client_for, people)
    orphan = plant(app)
    monkeypatch.setattr(check, "_referenced_now", lambda key: key == orphan)
    found = report(app, repair=True, grace=timedelta(0))
    assert [o.key for o in found.orphans] == [orphan] and found.deleted == []
    assert storage_of(app).exists(orphan)


def test_a_row_whose_file_is_gone_is_reported_missing_and_kept(app, client_for, people):
    with_message(app, client_for, people)
    rows = attachment_rows(app)
    storage_of(app).delete(rows[0]["key"])

    for options in ((), ("--repair", "--grace-minutes", "0")):
        result = run_check(app, *options)
        assert result.exit_code == 1
        assert "Missing files (row, no object): 1" in result.output
        assert f"attachment {rows[0]['id']} (message {rows[0]['message']}) 'contrat.pdf'" in result.output
        assert rows[0]["key"] in result.output and "restore it from a backup" in result.output
    assert counts(app) == (1, 2)  # the row is never deleted


def test_verify_finds_altered_files(app, client_for, people, backend):
    with_message(app, client_for, people)
    rows = attachment_rows(app)
    storage = storage_of(app)
    tampered = PDF.replace(b"Catalog", b"Katalog")
    if backend == "local":
        storage.path(rows[0]["key"]).write_bytes(tampered)
    else:
        storage.client.put_object(Bucket=storage.bucket, Key=storage.object_name(rows[0]["key"]), Body=tampered)
    assert run_check(app).exit_code == 0  # only --verify reads the bytes
    result = run_check(app, "--verify")
    assert result.exit_code == 1
    assert "Corrupt files (sha256 mismatch): 1" in result.output
    assert hashlib.sha256(tampered).hexdigest() in result.output
    assert f"attachment {rows[0]['id']}" in result.output


def test_unfinished_uploads_are_cleaned_by_repair(app, backend):
    storage = storage_of(app)
    if backend == "local":
        directory = storage.root / "ab" / "cd"
        directory.mkdir(parents=True)
        stale = directory / ".tmp-crashed"
        stale.write_bytes(b"half an upload")
        old = time.time() - 3 * 3600
        os.utime(stale, (old, old))
        fresh = directory / ".tmp-in-progress"
        fresh.write_bytes(b"being written")
    else:
        name = storage.object_name("ab" * 16)
        upload = storage.client.create_multipart_upload(Bucket=storage.bucket, Key=name)
        storage.client.upload_part(Bucket=storage.bucket, Key=name, UploadId=upload["UploadId"],
                                   PartNumber=1, Body=b"half")
    found = report(app, grace=timedelta(0) if backend == "s3" else timedelta(hours=1))
    assert len(found.unfinished) == (2 if backend == "local" else 1)
    assert found.problems == 1

    options = ("--repair",) if backend == "local" else ("--repair", "--grace-minutes", "0")
    result = run_check(app, *options)
    assert result.exit_code == 0, result.output
    assert "removed" in result.output
    if backend == "local":
        assert not stale.exists() and fresh.exists()  # the one being written is left alone
    else:
        assert storage.client.list_multipart_uploads(Bucket=storage.bucket).get("Uploads", []) == []
