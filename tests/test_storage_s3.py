"""The same behaviour from both storage backends: the local directory and an S3 bucket on a
real S3-protocol server (moto's server mode) that these tests start on 127.0.0.1.

The ``storage`` fixture is parametrized over both backends; the last test runs the app with
``STORAGE_URL=s3://...`` and sends and fetches a message attachment through the test client.
"""

from __future__ import annotations

import hashlib
import io
import os
import secrets
from datetime import UTC, datetime, timedelta

import pytest

from extranet.storage import InvalidKey, StorageError, TooLarge, get_storage, storage_from_url
from extranet.storage.local import LocalStorage

boto3 = pytest.importorskip("boto3")
pytest.importorskip("moto.server")

MiB = 1024 * 1024
FAKE_AWS = {
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",
    "AWS_SESSION_TOKEN": "testing",
    "AWS_DEFAULT_REGION": "us-east-1",
    "AWS_CONFIG_FILE": "/nonexistent/aws-config",
    "AWS_SHARED_CREDENTIALS_FILE": "/nonexistent/aws-credentials",
}


@pytest.fixture(scope="session")
def s3_endpoint():
    """A moto S3 server on a free port of 127.0.0.1, with fake credentials in the environment
    (for every boto3 client made during the session)."""
    from moto.server import ThreadedMotoServer

    with pytest.MonkeyPatch.context() as patch:
        for name, value in FAKE_AWS.items():
            patch.setenv(name, value)
        patch.delenv("AWS_PROFILE", raising=False)
        server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
        server.start()
        host, port = server.get_host_and_port()
        try:
            yield f"http://{host}:{port}"
        finally:
            server.stop()


@pytest.fixture
def s3_bucket(s3_endpoint):
    """A new, empty bucket for one test."""
    client = boto3.client("s3", endpoint_url=s3_endpoint)
    name = f"extranet-test-{secrets.token_hex(6)}"
    client.create_bucket(Bucket=name)
    return name


def s3_client(endpoint):
    return boto3.client("s3", endpoint_url=endpoint)


def make_s3(endpoint, bucket, prefix="objects"):
    return storage_from_url(f"s3://{bucket}/{prefix}", "/unused", endpoint_url=endpoint)


@pytest.fixture(params=["local", "s3"])
def storage(request, tmp_path):
    if request.param == "local":
        return LocalStorage(tmp_path / "files")
    endpoint = request.getfixturevalue("s3_endpoint")
    return make_s3(endpoint, request.getfixturevalue("s3_bucket"))


def leftovers(storage) -> list:
    """Everything the backend holds: files (temporaries included) or objects and unfinished
    multipart uploads anywhere in the bucket."""
    if isinstance(storage, LocalStorage):
        return sorted(p for p in storage.root.rglob("*") if p.is_file()) if storage.root.exists() else []
    client = storage.client
    objects = client.list_objects_v2(Bucket=storage.bucket).get("Contents", [])
    uploads = client.list_multipart_uploads(Bucket=storage.bucket).get("Uploads", [])
    return [o["Key"] for o in objects] + [("upload", u["Key"]) for u in uploads]


class Broken(io.RawIOBase):
    """A client that goes away after ``good`` bytes."""

    def __init__(self, good: int):
        self.left = good

    def readable(self):
        return True

    def readinto(self, buffer):
        if self.left <= 0:
            raise ConnectionResetError("client went away")
        n = min(len(buffer), self.left)
        buffer[:n] = b"z" * n
        self.left -= n
        return n


# -- the same suite on both backends ----------------------------------------------------------


@pytest.mark.parametrize("size", [0, 1, 3 * MiB + 17, 17 * MiB + 5])  # the last one is multipart on S3
def test_save_open_roundtrip(storage, size):
    data = os.urandom(size)
    obj = storage.save(io.BytesIO(data), max_bytes=20 * MiB)
    assert obj.size == size and obj.sha256 == hashlib.sha256(data).hexdigest()
    assert len(obj.key) == 32 and all(c in "0123456789abcdef" for c in obj.key)
    with storage.open(obj.key) as fh:
        assert fh.read() == data
    assert storage.exists(obj.key)
    assert list(storage.keys()) == [obj.key]
    assert storage.sha256(obj.key) == obj.sha256


def test_open_streams_and_can_rewind(storage):
    data = os.urandom(2 * MiB + 3)
    obj = storage.save(io.BytesIO(data))
    with storage.open(obj.key) as fh:
        assert fh.read(1000) == data[:1000]
        fh.seek(0)
        digest = hashlib.sha256()
        while chunk := fh.read(64 * 1024):
            digest.update(chunk)
        assert digest.hexdigest() == obj.sha256
        fh.seek(MiB)
        assert fh.read(10) == data[MiB:MiB + 10]
        fh.seek(0)
        assert fh.read() == data


def test_keys_are_random_and_listed_with_their_time(storage):
    before = datetime.now(UTC) - timedelta(seconds=5)
    keys = {storage.save(io.BytesIO(b"same bytes")).key for _ in range(5)}
    assert len(keys) == 5
    assert sorted(storage.keys()) == sorted(keys)
    listed = dict(storage.keys_with_time())
    assert set(listed) == keys
    for moment in listed.values():
        assert moment.tzinfo is not None and before <= moment <= datetime.now(UTC) + timedelta(seconds=5)


def test_delete_delete_many_and_missing(storage):
    objs = [storage.save(io.BytesIO(f"object {i}".encode())) for i in range(4)]
    storage.delete(objs[0].key)
    storage.delete(objs[0].key)  # deleting twice is fine
    assert not storage.exists(objs[0].key)
    with pytest.raises(FileNotFoundError):
        storage.open(objs[0].key)
    with pytest.raises(FileNotFoundError):
        storage.sha256(objs[0].key)
    storage.delete_many([objs[1].key, objs[2].key, objs[0].key, "../not-a-key"])  # never raises
    assert list(storage.keys()) == [objs[3].key]
    assert leftovers(storage) != []
    storage.delete(objs[3].key)
    assert leftovers(storage) == []


@pytest.mark.parametrize("size", [2001, 9 * MiB])  # on S3 the second one had started a multipart upload
def test_too_large_leaves_nothing(storage, size):
    limit = 2000 if size == 2001 else 8 * MiB + 1
    with pytest.raises(TooLarge) as caught:
        storage.save(io.BytesIO(b"x" * size), max_bytes=limit)
    assert caught.value.max_bytes == limit
    assert leftovers(storage) == []
    assert storage.save(io.BytesIO(b"x" * limit), max_bytes=limit).size == limit  # the limit itself is fine


@pytest.mark.parametrize("good", [100, 12 * MiB])  # before, and after, the first part on S3
def test_a_failing_source_stream_leaves_nothing(storage, good):
    with pytest.raises((ConnectionResetError, StorageError)):
        storage.save(io.BufferedReader(Broken(good)))
    assert leftovers(storage) == []


@pytest.mark.parametrize(
    "key",
    ["../../etc/passwd", "abc", "A" * 32, "0" * 31, "0" * 65, "../" + "0" * 32, "0" * 32 + "/x", "", "g" * 32],
)
def test_keys_of_another_shape_are_refused(storage, key):
    for call in (storage.open, storage.delete, storage.exists, storage.sha256):
        with pytest.raises(InvalidKey):
            call(key)


# -- S3 specifics -----------------------------------------------------------------------------


def test_s3_objects_live_under_the_prefix(s3_endpoint, s3_bucket):
    storage = make_s3(s3_endpoint, s3_bucket, prefix="/tenant/files/")
    assert storage.prefix == "tenant/files/"
    obj = storage.save(io.BytesIO(b"hello"))
    client = s3_client(s3_endpoint)
    client.put_object(Bucket=s3_bucket, Key="elsewhere/" + "a" * 32, Body=b"not ours")
    client.put_object(Bucket=s3_bucket, Key="tenant/files/README", Body=b"stray")
    names = sorted(o["Key"] for o in client.list_objects_v2(Bucket=s3_bucket)["Contents"])
    assert f"tenant/files/{obj.key}" in names
    assert list(storage.keys()) == [obj.key]  # neither the other prefix nor a stray name
    assert not storage.exists("a" * 32)


def test_s3_without_a_prefix(s3_endpoint, s3_bucket):
    storage = storage_from_url(f"s3://{s3_bucket}", "/unused", endpoint_url=s3_endpoint)
    assert storage.prefix == ""
    obj = storage.save(io.BytesIO(b"top level"))
    assert s3_client(s3_endpoint).get_object(Bucket=s3_bucket, Key=obj.key)["Body"].read() == b"top level"


def test_s3_backend_errors_are_storage_errors(s3_endpoint):
    storage = make_s3(s3_endpoint, "no-such-bucket-here")
    with pytest.raises(StorageError):
        storage.save(io.BytesIO(b"data"))
    with pytest.raises(StorageError):
        storage.open("0" * 32)


def test_storage_url_and_config(make_app, s3_endpoint, tmp_path):
    from extranet.storage.s3 import S3Storage

    app = make_app(STORAGE_URL="s3://my-bucket/some/prefix", S3_ENDPOINT_URL=s3_endpoint)
    with app.app_context():
        storage = get_storage()
    assert isinstance(storage, S3Storage)
    assert (storage.bucket, storage.prefix, storage.endpoint_url) == ("my-bucket", "some/prefix/", s3_endpoint)
    with pytest.raises(ValueError):
        storage_from_url("s3:///prefix-only", "/unused")

    from extranet.config import build_config, production_problems

    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("EXTRANET_S3_ENDPOINT_URL", "http://minio.internal:9000")
        patch.setenv("EXTRANET_STORAGE_URL", "s3://files")
        config = build_config(tmp_path)
    assert config["S3_ENDPOINT_URL"] == "http://minio.internal:9000"
    assert not any("STORAGE_URL" in p for p in production_problems(config))
    assert any("STORAGE_URL" in p for p in production_problems({**config, "STORAGE_URL": "file:///srv/files"}))


# -- end to end -------------------------------------------------------------------------------


@pytest.fixture
def app(register_plugin, s3_endpoint, s3_bucket):
    """The sample field with its files in the test bucket (``people`` is built on it)."""
    from tests.sample_plugin import SamplePlugin

    return register_plugin(SamplePlugin(), STORAGE_URL=f"s3://{s3_bucket}/attachments",
                           S3_ENDPOINT_URL=s3_endpoint)


def test_message_attachment_through_the_app_on_s3(app, client_for, people, s3_endpoint, s3_bucket):
    from tests.test_attachments import PDF, attachment_rows, file_request, links, send

    member = client_for(app, people.member_a)
    reference = file_request(member)
    big = b"%PDF-1.7\n" + os.urandom(9 * MiB) + b"\n%%EOF\n"  # a multipart upload
    response = send(member, reference, files=[(PDF, "contrat.pdf"), (big, "bilan.pdf")])
    assert response.status_code == 303, response.get_data(as_text=True)[:500]

    rows = attachment_rows(app)
    assert [r["filename"] for r in rows] == ["contrat.pdf", "bilan.pdf"]
    names = sorted(o["Key"] for o in s3_client(s3_endpoint).list_objects_v2(Bucket=s3_bucket)["Contents"])
    assert names == sorted(f"attachments/{r['key']}" for r in rows)

    page = member.get(f"/requests/{reference}").get_data(as_text=True)
    urls = links(page[:page.index('id="panel-documents"')])  # the message's; the documents card lists them again
    assert len(urls) == 2
    small = member.get(urls[0])
    assert small.status_code == 200 and small.get_data() == PDF
    assert small.headers["X-Content-Type-Options"] == "nosniff"
    assert small.headers["Content-Disposition"].startswith("attachment;")
    download = member.get(urls[1])
    assert download.status_code == 200
    assert int(download.headers["Content-Length"]) == len(big)
    assert hashlib.sha256(download.get_data()).hexdigest() == hashlib.sha256(big).hexdigest()
    # Organization B never gets it.
    assert client_for(app, people.member_b).get(urls[1]).status_code == 404
