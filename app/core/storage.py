"""Where the bytes of uploaded files live: outside the database, under their SHA-256.

Why content addressing: a file is never changed once stored, so its hash is a
name that can never point at other bytes; the same scan uploaded twice (or the
same result attached to two dossiers) is stored once; and a row of the
database (``DossierFile.sha256``) is all it takes to find it again. Deleting a
blob is therefore only safe when no row names it (see app/dossiers/files.py,
which removes only what its own failed transaction wrote).

Two backends behind one small interface (:class:`Store`). Besides reading and
writing, a store lists its blobs with the moment each was written
(:meth:`Store.listing`), so that the blobs no row names can be collected
(``flask files gc``, app/dossiers/files.py).

- :class:`FolderStore` (the default): a folder in ``instance/``, sharded
  ``ab/cd/abcdef…`` so that no directory grows to millions of entries; a blob
  is written to a temporary file in the same folder, flushed to disk, then
  renamed into place, so a reader never sees half a file and a crash leaves at
  worst a stray temporary file, never a wrong blob.
- :class:`S3Store`: an S3-compatible object store (``boto3``), for several
  application servers sharing the files; key ``files/<sha256>``.

The core knows nothing of the settings module (it may not import the
domains'): :func:`store_for` takes the settings object it is given.
"""
from __future__ import annotations

import hashlib
import os
import re
import tempfile
from collections.abc import Iterator
from datetime import UTC, datetime
from functools import lru_cache
from pathlib import Path
from typing import Any, Protocol

_SHA256 = re.compile(r"[0-9a-f]{64}")
S3_PREFIX = "files/"


class Store(Protocol):
    """What the product needs of a file store: blobs named by their SHA-256 (hex)."""

    def put(self, data: bytes) -> str: ...

    def get(self, key: str) -> bytes: ...

    def exists(self, key: str) -> bool: ...

    def delete(self, key: str) -> None: ...

    def listing(self) -> Iterator[tuple[str, datetime]]:
        """Every blob's key and when it was written (UTC), in no particular order."""
        ...


def content_key(data: bytes) -> str:
    """The name a blob is stored under."""
    return hashlib.sha256(data).hexdigest()


def checked_key(key: str) -> str:
    """Only a SHA-256 in hex is a key: nothing else can reach a path or an object name."""
    if not _SHA256.fullmatch(key or ""):
        raise ValueError("not a SHA-256 key")
    return key


class FolderStore:
    """Blobs as files under ``root``: ``root/ab/cd/abcdef…``."""

    def __init__(self, root: Path):
        self.root = Path(root)

    def path_of(self, key: str) -> Path:
        checked_key(key)
        return self.root / key[:2] / key[2:4] / key

    def put(self, data: bytes) -> str:
        key = content_key(data)
        target = self.path_of(key)
        if not target.exists():
            target.parent.mkdir(parents=True, exist_ok=True)
            _write_atomically(target, data)
        return key

    def get(self, key: str) -> bytes:
        try:
            return self.path_of(key).read_bytes()
        except FileNotFoundError:
            raise KeyError(key) from None

    def exists(self, key: str) -> bool:
        return self.path_of(key).is_file()

    def delete(self, key: str) -> None:
        self.path_of(key).unlink(missing_ok=True)

    def listing(self) -> Iterator[tuple[str, datetime]]:
        """The blobs in their shards, with the files' mtime; temporary files and strays are no blobs."""
        for path in self.root.glob("??/??/*"):
            if _SHA256.fullmatch(path.name) and path.parent.parent.name + path.parent.name == path.name[:4]:
                yield path.name, datetime.fromtimestamp(path.stat().st_mtime, UTC)


def _write_atomically(target: Path, data: bytes) -> None:
    """Temporary file beside ``target``, fsync, rename: the blob is whole or absent, even after a crash."""
    handle, temporary = tempfile.mkstemp(dir=target.parent, prefix=".tmp-")
    try:
        with os.fdopen(handle, "wb") as stream:
            stream.write(data)
            stream.flush()
            os.fsync(stream.fileno())
        os.replace(temporary, target)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    _sync_folder(target.parent)


def _sync_folder(folder: Path) -> None:
    """The rename itself survives a power cut only once the folder is flushed too."""
    descriptor = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)


class S3Store:
    """Blobs as objects ``files/<sha256>`` of one bucket of an S3-compatible store."""

    def __init__(self, client: Any, bucket: str, page_size: int = 1000):
        self.client, self.bucket, self.page_size = client, bucket, page_size

    def put(self, data: bytes) -> str:
        key = content_key(data)
        self.client.put_object(Bucket=self.bucket, Key=S3_PREFIX + key, Body=data)
        return key

    def get(self, key: str) -> bytes:
        try:
            answer = self.client.get_object(Bucket=self.bucket, Key=S3_PREFIX + checked_key(key))
        except self.client.exceptions.NoSuchKey:
            raise KeyError(key) from None
        return answer["Body"].read()

    def exists(self, key: str) -> bool:
        try:
            self.client.head_object(Bucket=self.bucket, Key=S3_PREFIX + checked_key(key))
        except self.client.exceptions.ClientError as error:
            if error.response.get("Error", {}).get("Code") in ("404", "NoSuchKey", "NotFound"):
                return False
            raise
        return True

    def delete(self, key: str) -> None:
        self.client.delete_object(Bucket=self.bucket, Key=S3_PREFIX + checked_key(key))

    def listing(self) -> Iterator[tuple[str, datetime]]:
        """The objects under ``files/``, page by page (an answer holds at most ``page_size``), with their
        LastModified; other objects of the bucket are not ours."""
        pages = self.client.get_paginator("list_objects_v2").paginate(
            Bucket=self.bucket, Prefix=S3_PREFIX, PaginationConfig={"PageSize": self.page_size})
        for page in pages:
            for item in page.get("Contents", []):
                key = item["Key"].removeprefix(S3_PREFIX)
                if _SHA256.fullmatch(key):
                    yield key, item["LastModified"].astimezone(UTC)


def store_for(settings: Any) -> Store:
    """The store the settings name (``STORAGE_BACKEND``); built once per distinct configuration,
    because an S3 client is costly to make and safe to share between threads."""
    if settings.storage_backend == "s3":
        return _s3_store(settings.s3_endpoint_url, settings.s3_bucket, settings.s3_region,
                         settings.s3_access_key_id, settings.s3_secret_access_key)
    return FolderStore(settings.storage_path)


@lru_cache(maxsize=8)
def _s3_store(endpoint_url: str, bucket: str, region: str, access_key_id: str, secret_access_key: str) -> S3Store:
    import boto3  # only instances storing in S3 pay for loading it

    client = boto3.client("s3", endpoint_url=endpoint_url or None, region_name=region or None,
                          aws_access_key_id=access_key_id or None,
                          aws_secret_access_key=secret_access_key or None)
    return S3Store(client, bucket)
