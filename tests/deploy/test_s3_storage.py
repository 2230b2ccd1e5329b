"""STORAGE_BACKEND=s3 in one process: staged imports and export files live in an
S3-compatible server (moto's, on a free port) and are purged there on schedule."""

from __future__ import annotations

import datetime as dt
import io
import socket

import pytest
from django.utils import timezone
from openpyxl import load_workbook

from reports import services
from reports.models import ExportJob
from reports.staging import staging_purge, staging_read, staging_save
from tests.factories import StationFactory, UserFactory, city

pytestmark = pytest.mark.django_db
BUCKET = "ssp-unit"


@pytest.fixture
def s3(settings):
    import boto3
    from moto.server import ThreadedMotoServer

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    endpoint = f"http://127.0.0.1:{port}"
    client = boto3.client(
        "s3",
        endpoint_url=endpoint,
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
        region_name="us-east-1",
    )
    client.create_bucket(Bucket=BUCKET)
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "storages.backends.s3.S3Storage",
            "OPTIONS": {
                "bucket_name": BUCKET,
                "endpoint_url": endpoint,
                "access_key": "testing",
                "secret_key": "testing",
                "region_name": "us-east-1",
                "addressing_style": "path",
                "file_overwrite": False,
                "default_acl": None,
            },
        },
    }
    yield client
    server.stop()


def keys(client) -> set[str]:
    return {o["Key"] for o in client.list_objects_v2(Bucket=BUCKET).get("Contents", [])}


def test_staged_imports_live_in_the_bucket_and_are_purged_there(s3, shenyang):
    admin = UserFactory(city=shenyang)
    token = staging_save(user=admin, content=b"xlsx bytes")
    assert keys(s3) == {f"imports/{admin.pk}/{token}.xlsx"}
    assert staging_read(user=admin, token=token) == b"xlsx bytes"
    assert staging_purge(now=timezone.now()) == 0
    assert staging_purge(now=timezone.now() + dt.timedelta(hours=25)) == 1
    assert keys(s3) == set()


def test_an_export_job_writes_its_workbook_to_the_bucket_and_the_purge_removes_it(s3):
    shenyang = city("shenyang")
    station = StationFactory(city=shenyang)
    admin = UserFactory(city=shenyang)
    job = ExportJob.objects.create(owner=admin, kind="stations", params={})
    done = services.export_job_run(job_id=job.pk)
    assert done.status == ExportJob.Status.DONE and done.row_count == 1
    assert keys(s3) == {done.file.name}
    with done.file.open("rb") as handle:
        sheet = load_workbook(io.BytesIO(handle.read()), read_only=True).active
    assert station.name in {str(c) for row in sheet.iter_rows(values_only=True) for c in row}
    assert services.export_jobs_purge(now=done.expires_at + dt.timedelta(seconds=1)) == 1
    assert keys(s3) == set()
