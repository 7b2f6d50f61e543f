"""Objects in an S3-compatible bucket (AWS S3, MinIO, Ceph, Scaleway, OVH...) through boto3.

``STORAGE_URL=s3://bucket/optional/prefix``. Credentials and region come from the usual
``AWS_*`` variables (or the instance role); ``EXTRANET_S3_ENDPOINT_URL`` points at an
S3-compatible server instead of AWS (path-style addressing is then used).

``save`` streams: boto3's ``upload_fileobj`` reads the upload by parts (8 MiB, at most a few
in memory at once) from a reader that hashes and counts on the way and raises ``TooLarge``
past the limit. A multipart upload that fails for any reason is aborted, so the bucket keeps
neither an object nor the parts of one. ``open`` returns a seekable reader over ranged GETs.
"""

from __future__ import annotations

import hashlib
import io
import logging
import threading
from collections.abc import Iterable, Iterator
from datetime import datetime
from typing import BinaryIO

from extranet.storage.base import (
    KEY_RE,
    Storage,
    StorageError,
    StoredObject,
    TooLarge,
    check_key,
    new_key,
)

log = logging.getLogger(__name__)

PART_SIZE = 8 * 1024 * 1024  # S3's minimum part is 5 MiB
READ_BUFFER = 256 * 1024


def _boto():
    try:
        import boto3
        import botocore.config
        import botocore.exceptions
    except ImportError as error:  # pragma: no cover - depends on the installation
        raise StorageError("STORAGE_URL is s3://... but boto3 is not installed "
                           "(pip install 'coop-extranet[production]').") from error
    return boto3, botocore


def _is_not_found(error) -> bool:
    # Not the HTTP status alone: a missing bucket (NoSuchBucket) is a 404 too.
    return str(error.response.get("Error", {}).get("Code", "")) in {"404", "NoSuchKey", "NotFound"}


class _HashingReader:
    """What ``upload_fileobj`` reads: the upload, hashed and counted, cut at ``max_bytes``.
    It has no ``seek`` so that boto3 reads it once, in order."""

    def __init__(self, stream: BinaryIO, max_bytes: int | None):
        self.stream = stream
        self.max_bytes = max_bytes
        self.digest = hashlib.sha256()
        self.size = 0

    def read(self, size: int = -1) -> bytes:
        chunk = self.stream.read(size)
        if not chunk:
            return b""
        self.size += len(chunk)
        if self.max_bytes is not None and self.size > self.max_bytes:
            raise TooLarge(self.max_bytes)
        self.digest.update(chunk)
        return chunk


class _S3Raw(io.RawIOBase):
    """A stored object as a raw, seekable file: each (re)positioning issues a ranged GET."""

    def __init__(self, storage: S3Storage, key: str):
        self.storage = storage
        self.key = key
        self.position = 0
        self.body = None
        response = self._get(None)  # FileNotFoundError now, not at the first read
        self.length = int(response["ContentLength"])
        self.body = response["Body"]

    def _get(self, start: int | None):
        _boto3, botocore = _boto()
        arguments = {"Bucket": self.storage.bucket, "Key": self.storage.object_name(self.key)}
        if start:
            arguments["Range"] = f"bytes={start}-"
        try:
            return self.storage.client.get_object(**arguments)
        except botocore.exceptions.ClientError as error:
            if _is_not_found(error):
                raise FileNotFoundError(self.key) from None
            raise StorageError(f"could not read {self.key}: {error}") from error
        except botocore.exceptions.BotoCoreError as error:
            raise StorageError(f"could not read {self.key}: {error}") from error

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        if self.position >= self.length:
            return 0
        if self.body is None:
            self.body = self._get(self.position)["Body"]
        data = self.body.read(len(buffer))
        buffer[: len(data)] = data
        self.position += len(data)
        return len(data)

    def tell(self) -> int:
        return self.position

    def seek(self, offset: int, whence: int = io.SEEK_SET) -> int:
        if whence == io.SEEK_CUR:
            offset += self.position
        elif whence == io.SEEK_END:
            offset += self.length
        if offset < 0:
            raise ValueError("negative seek position")
        if offset != self.position:
            self._close_body()
            self.position = offset
        return self.position

    def _close_body(self) -> None:
        if self.body is not None:
            self.body.close()
            self.body = None

    def close(self) -> None:
        if not self.closed:
            self._close_body()
        super().close()


class S3Storage(Storage):
    def __init__(self, bucket: str, prefix: str = "", endpoint_url: str | None = None, client=None):
        if not bucket:
            raise ValueError("an s3:// STORAGE_URL needs a bucket name")
        self.bucket = bucket
        prefix = prefix.strip("/")
        self.prefix = f"{prefix}/" if prefix else ""
        self.endpoint_url = endpoint_url or None
        self._client = client
        self._lock = threading.Lock()

    def __repr__(self) -> str:
        where = f" at {self.endpoint_url}" if self.endpoint_url else ""
        return f"<S3Storage s3://{self.bucket}/{self.prefix}{where}>"

    @property
    def client(self):
        """The boto3 client, made on first use (boto3 clients are thread-safe)."""
        if self._client is None:
            with self._lock:
                if self._client is None:
                    boto3, botocore = _boto()
                    config = botocore.config.Config(
                        s3={"addressing_style": "path" if self.endpoint_url else "auto"},
                        retries={"max_attempts": 5, "mode": "standard"},
                    )
                    self._client = boto3.session.Session().client(
                        "s3", endpoint_url=self.endpoint_url, config=config
                    )
        return self._client

    def object_name(self, key: str) -> str:
        return self.prefix + check_key(key)

    # -- writing ---------------------------------------------------------------------------

    def save(self, stream: BinaryIO, max_bytes: int | None = None) -> StoredObject:
        return self._store(new_key(), stream, max_bytes)

    def put(self, key: str, stream: BinaryIO) -> StoredObject:
        return self._store(key, stream, None)

    def _store(self, key: str, stream: BinaryIO, max_bytes: int | None) -> StoredObject:
        boto3, botocore = _boto()
        from boto3.s3.transfer import TransferConfig

        name = self.object_name(key)
        reader = _HashingReader(stream, max_bytes)
        transfer = TransferConfig(
            multipart_threshold=PART_SIZE, multipart_chunksize=PART_SIZE, max_concurrency=4,
            preferred_transfer_client="classic",
        )
        # Parts read ahead of the uploading threads: bounds memory to a few parts.
        transfer.max_in_memory_upload_chunks = 4
        try:
            self.client.upload_fileobj(reader, self.bucket, name, Config=transfer)
        except BaseException as error:
            self._clean_up_failed_upload(name)
            if isinstance(error, (botocore.exceptions.BotoCoreError, botocore.exceptions.ClientError)):
                raise StorageError(f"could not write {key}: {error}") from error
            if isinstance(error, boto3.exceptions.S3UploadFailedError):
                raise StorageError(f"could not write {key}: {error}") from error
            raise
        return StoredObject(key=key, size=reader.size, sha256=reader.digest.hexdigest())

    def _clean_up_failed_upload(self, name: str) -> None:
        """boto3 aborts the multipart upload it started on failure; make sure of it (and of
        no object under the key), without hiding the original error."""
        try:
            pages = self.client.get_paginator("list_multipart_uploads").paginate(
                Bucket=self.bucket, Prefix=name
            )
            for page in pages:
                for upload in page.get("Uploads", []):
                    if upload["Key"] == name:
                        self.client.abort_multipart_upload(
                            Bucket=self.bucket, Key=name, UploadId=upload["UploadId"]
                        )
            self.client.delete_object(Bucket=self.bucket, Key=name)
        except Exception:  # noqa: BLE001 - cleanup must not hide the original error
            log.exception("storage: could not clean up the failed upload %s", name)

    def delete(self, key: str) -> None:
        _boto3, botocore = _boto()
        name = self.object_name(key)
        try:
            self.client.delete_object(Bucket=self.bucket, Key=name)
        except (botocore.exceptions.BotoCoreError, botocore.exceptions.ClientError) as error:
            raise StorageError(f"could not delete {key}: {error}") from error

    def delete_many(self, keys: Iterable[str]) -> None:
        names = []
        for key in keys:
            try:
                names.append(self.object_name(key))
            except ValueError:
                log.exception("storage: not deleting %r", key)
        for start in range(0, len(names), 1000):  # DeleteObjects takes 1,000 keys at most
            batch = names[start:start + 1000]
            try:
                response = self.client.delete_objects(
                    Bucket=self.bucket,
                    Delete={"Objects": [{"Key": n} for n in batch], "Quiet": True},
                )
                for failure in response.get("Errors", []):
                    log.error("storage: could not delete %s: %s", failure.get("Key"), failure.get("Message"))
            except Exception:  # noqa: BLE001 - cleanup must not hide the original error
                log.exception("storage: could not delete %d objects", len(batch))

    # -- reading ---------------------------------------------------------------------------

    def open(self, key: str) -> BinaryIO:
        check_key(key)
        return io.BufferedReader(_S3Raw(self, key), buffer_size=READ_BUFFER)

    def exists(self, key: str) -> bool:
        _boto3, botocore = _boto()
        name = self.object_name(key)
        try:
            self.client.head_object(Bucket=self.bucket, Key=name)
        except botocore.exceptions.ClientError as error:
            if _is_not_found(error):
                return False
            raise StorageError(f"could not look up {key}: {error}") from error
        return True

    def keys_with_time(self) -> Iterator[tuple[str, datetime]]:
        pages = self.client.get_paginator("list_objects_v2").paginate(
            Bucket=self.bucket, Prefix=self.prefix
        )
        for page in pages:
            for entry in page.get("Contents", []):
                key = entry["Key"][len(self.prefix):]
                if KEY_RE.fullmatch(key):
                    yield key, entry["LastModified"]

    def keys(self) -> Iterator[str]:
        for key, _modified in self.keys_with_time():
            yield key

    def pending_uploads(self) -> Iterator[tuple[str, datetime, str]]:
        """Multipart uploads started under the prefix and never completed nor aborted
        (a crashed node): (object name, start time, upload id)."""
        pages = self.client.get_paginator("list_multipart_uploads").paginate(
            Bucket=self.bucket, Prefix=self.prefix
        )
        for page in pages:
            for upload in page.get("Uploads", []):
                yield upload["Key"], upload["Initiated"], upload["UploadId"]

    def abort_upload(self, name: str, upload_id: str) -> None:
        self.client.abort_multipart_upload(Bucket=self.bucket, Key=name, UploadId=upload_id)
