"""The file store (app/core/storage.py): a folder, and an S3-compatible server on loopback (moto)."""
from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass, replace
from pathlib import Path

import pytest

from app.config import ConfigError, load_settings
from app.core import storage
from app.core.storage import FolderStore, store_for

pytestmark = pytest.mark.unit

BLOB = "Giấy khai sinh — bản quét".encode() * 100
KEY = hashlib.sha256(BLOB).hexdigest()


@dataclass(frozen=True)
class StoreSettings:
    """The settings the store reads (the core takes whatever object holds them)."""

    storage_backend: str = "folder"
    storage_path: Path = Path("/nonexistent")
    s3_endpoint_url: str = ""
    s3_bucket: str = ""
    s3_region: str = "us-east-1"
    s3_access_key_id: str = ""
    s3_secret_access_key: str = ""


@pytest.fixture(params=["folder", "s3"])
def store(request, tmp_path):
    if request.param == "folder":
        return store_for(StoreSettings(storage_path=tmp_path))
    return store_for(StoreSettings(**request.getfixturevalue("s3_bucket")))


def test_a_blob_is_named_by_its_sha256_and_read_back(store):
    assert not store.exists(KEY)
    assert store.put(BLOB) == KEY
    assert store.exists(KEY) and store.get(KEY) == BLOB
    assert store.put(BLOB) == KEY  # the same content is stored once, under the same name


def test_deleting_removes_the_blob_and_a_missing_one_is_a_key_error(store):
    store.put(BLOB)
    store.delete(KEY)
    assert not store.exists(KEY)
    with pytest.raises(KeyError):
        store.get(KEY)
    store.delete(KEY)  # deleting twice is harmless


@pytest.mark.parametrize("key", ["../../etc/passwd", "ab", KEY.upper(), KEY + "0", ""])
def test_only_a_sha256_is_a_key(store, key):
    with pytest.raises(ValueError):
        store.get(key)


def test_the_folder_is_sharded_and_holds_no_temporary_file(tmp_path):
    store = FolderStore(tmp_path)
    store.put(BLOB)
    assert (tmp_path / KEY[:2] / KEY[2:4] / KEY).read_bytes() == BLOB
    assert [path.name for path in tmp_path.rglob("*") if path.is_file()] == [KEY]


def test_a_failed_write_leaves_neither_blob_nor_temporary_file(tmp_path, monkeypatch):
    def disk_full(*_args):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "fsync", disk_full)
    with pytest.raises(OSError):
        FolderStore(tmp_path).put(BLOB)
    assert [path for path in tmp_path.rglob("*") if path.is_file()] == []


def test_s3_objects_live_under_files_prefix(s3_bucket):
    store = store_for(StoreSettings(**s3_bucket))
    store.put(BLOB)
    listed = store.client.list_objects_v2(Bucket=s3_bucket["s3_bucket"])["Contents"]
    assert [item["Key"] for item in listed] == [f"{storage.S3_PREFIX}{KEY}"]


def test_one_s3_client_per_configuration(s3_bucket):
    settings = StoreSettings(**s3_bucket)
    assert store_for(settings) is store_for(replace(settings))


def test_s3_without_a_bucket_stops_the_start_naming_the_variable(tmp_path):
    with pytest.raises(ConfigError, match="S3_BUCKET"):
        load_settings(tmp_path, {"STORAGE_BACKEND": "s3"})
    assert load_settings(tmp_path, {"STORAGE_BACKEND": "s3", "S3_BUCKET": "motcua"}).s3_bucket == "motcua"


def test_an_unknown_backend_stops_the_start(tmp_path):
    with pytest.raises(ConfigError, match="STORAGE_BACKEND"):
        load_settings(tmp_path, {"STORAGE_BACKEND": "ftp"})
