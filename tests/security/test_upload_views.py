"""The hostile upload corpus through real upload views: each file refused with a clear
message, nothing written (no row, no file), no 500."""

from pathlib import Path

import pytest
from django.conf import settings

from stations.models import ActivityEvidence, ActivityRecord
from stations.services import EVIDENCE_MAX_BYTES
from tests.security.upload_corpus import PDF, hostile_files, upload

pytestmark = pytest.mark.django_db
CASES = sorted(set(hostile_files(EVIDENCE_MAX_BYTES)) - {"path traversal"})


def stored_files() -> set[Path]:
    root = Path(settings.MEDIA_ROOT)
    return {p for p in root.rglob("*") if p.is_file()} if root.exists() else set()


@pytest.mark.parametrize("case", CASES)
def test_activity_evidence_refuses_hostile_files(case, station, personas, login):
    before = stored_files()
    response = login(personas["society"]).post(
        f"/stations/{station.pk}/activities/new/",
        {
            "kind": "survey",
            "date": "2025-04-01",
            "title": f"调研-{case}",
            "quantity": 1,
            "evidence": hostile_files(EVIDENCE_MAX_BYTES)[case],
        },
    )
    assert response.status_code == 200  # the form again, with the reason
    body = response.content.decode()
    assert "文件" in body and (
        "类型不符" in body or "超过大小上限" in body or "压缩结构异常" in body or "内容异常" in body
    )
    assert not ActivityRecord.objects.filter(title=f"调研-{case}").exists()
    assert not ActivityEvidence.objects.exists()
    assert stored_files() == before


def test_a_path_in_the_file_name_never_reaches_the_disk(station, personas, login):
    response = login(personas["society"]).post(
        f"/stations/{station.pk}/activities/new/",
        {
            "kind": "survey",
            "date": "2025-04-01",
            "title": "路径测试",
            "quantity": 1,
            "evidence": upload("../../etc/passwd.pdf", PDF),
        },
    )
    assert response.status_code == 302
    evidence = ActivityEvidence.objects.get()
    assert "/" not in evidence.original_name and ".." not in evidence.original_name
    stored = Path(evidence.file.path).resolve()
    assert stored.is_relative_to(Path(settings.MEDIA_ROOT).resolve())
    assert "passwd" not in stored.name  # the server names stored files


def test_downloads_are_attachments_with_nosniff(station, personas, login):
    client = login(personas["society"])
    client.post(
        f"/stations/{station.pk}/activities/new/",
        {
            "kind": "survey",
            "date": "2025-04-01",
            "title": "下载",
            "quantity": 1,
            "evidence": upload("证明.pdf", PDF),
        },
    )
    evidence = ActivityEvidence.objects.get()
    response = client.get(
        f"/stations/{station.pk}/activities/{evidence.record_id}/evidence/{evidence.pk}/"
    )
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment")
    assert response["X-Content-Type-Options"] == "nosniff"
