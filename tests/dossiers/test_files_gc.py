"""Garbage collection of the file store (``flask files gc``): the blobs no row names go once they
are older than the grace period; a named blob, or one a transaction may still commit, stays."""
from __future__ import annotations

import io
import os
import time
from datetime import timedelta

import pytest

from app.core.storage import FolderStore, S3Store, content_key
from app.dossiers.files import collect_garbage, file_store
from tests.support import files as make
from tests.support.api import ok, receive

pytestmark = pytest.mark.usefixtures("stopped_clock")

ORPHAN = b"%PDF-1.7 bytes of a request killed before it committed"
FRESH = b"%PDF-1.7 bytes of a request still running"


@pytest.fixture(params=["folder", "s3"])
def store(request, tmp_path, override_settings):
    """The instance's store, a folder of this test's own or a new S3 bucket."""
    if request.param == "folder":
        override_settings(storage_backend="folder", storage_path=tmp_path / "files")
    else:
        override_settings(**request.getfixturevalue("s3_bucket"))
    return file_store()


def named_blob(api) -> str:
    """A scan attached at the counter: its row names its blob."""
    code = receive(api, "dang-ky-khai-sinh")["code"]
    sent = {"files": [(io.BytesIO(make.pdf()), "quet.pdf")]}
    (saved,) = ok(api.post(f"/dossiers/{code}/files", "motcua.tanhoa", data=sent), 201)
    return saved["sha256"]


def keys(store) -> set[str]:
    return {key for key, _written in store.listing()}


def test_an_old_orphan_goes_and_a_named_blob_stays(api, demo, store):
    named, orphan = named_blob(api), store.put(ORPHAN)
    assert collect_garbage(older_than=timedelta(0)) == 1
    assert keys(store) == {named} and store.exists(named) and not store.exists(orphan)
    assert collect_garbage(older_than=timedelta(0)) == 0


def test_an_orphan_younger_than_the_grace_period_stays(api, demo, store):
    orphan = store.put(FRESH)
    assert collect_garbage() == 0
    assert store.exists(orphan)


def test_the_folder_store_tells_old_from_fresh_by_mtime(api, demo, tmp_path, override_settings):
    override_settings(storage_backend="folder", storage_path=tmp_path / "files")
    store = file_store()
    named, old, fresh = named_blob(api), store.put(ORPHAN), store.put(FRESH)
    two_hours_ago = time.time() - 2 * 3600
    for key in (named, old):
        os.utime(store.path_of(key), (two_hours_ago, two_hours_ago))
    assert collect_garbage() == 1
    assert keys(store) == {named, fresh}


def test_the_command_prints_the_count(app, demo, store):
    store.put(ORPHAN)
    runner = app.test_cli_runner()
    kept = runner.invoke(args=["files", "gc"])
    assert kept.exit_code == 0 and kept.output.strip() == (
        "Đã xoá 0 tệp mồ côi (không hồ sơ nào dùng) khỏi kho lưu trữ.")
    gone = runner.invoke(args=["files", "gc", "--older-than-minutes", "0"])
    assert gone.output.strip() == "Đã xoá 1 tệp mồ côi (không hồ sơ nào dùng) khỏi kho lưu trữ."
    assert keys(store) == set()


def test_a_negative_grace_period_is_refused(app):
    refused = app.test_cli_runner().invoke(args=["files", "gc", "--older-than-minutes", "-5"])
    assert refused.exit_code == 2 and "--older-than-minutes" in refused.output


# --------------------------------------------------------------------------- the stores' listing


def test_the_folder_listing_skips_temporary_files_and_strays(tmp_path):
    store = FolderStore(tmp_path)
    key = store.put(ORPHAN)
    (store.path_of(key).parent / ".tmp-half-written").write_bytes(b"half")
    stray = tmp_path / "00" / "00" / content_key(FRESH)  # a valid name in the wrong shard
    stray.parent.mkdir(parents=True)
    stray.write_bytes(FRESH)
    assert keys(store) == {key}


def test_the_s3_listing_reads_every_page_and_only_the_files_prefix(s3_bucket):
    import boto3

    client = boto3.client("s3", endpoint_url=s3_bucket["s3_endpoint_url"], region_name="us-east-1",
                          aws_access_key_id="thu", aws_secret_access_key="thu-bi-mat")
    store = S3Store(client, s3_bucket["s3_bucket"], page_size=2)
    written = {store.put(f"tệp {number}".encode()) for number in range(5)}
    client.put_object(Bucket=s3_bucket["s3_bucket"], Key="backup/other.txt", Body=b"not ours")
    listed = list(store.listing())
    assert {key for key, _written in listed} == written and len(listed) == 5
    assert all(moment.utcoffset() == timedelta(0) for _key, moment in listed)
