import pytest
from django.core.exceptions import ValidationError

from stations.uploads import validate_upload
from tests.security.upload_corpus import (
    JPG,
    PDF,
    PNG,
    REAL_PDF,
    hostile_files,
    ooxml,
    padded_pdf,
    upload,
)

LIMIT = 1024 * 1024


@pytest.mark.parametrize("case", sorted(hostile_files(LIMIT)))
def test_hostile_files_are_refused_with_a_chinese_message(case):
    file = hostile_files(LIMIT)[case]
    with pytest.raises(ValidationError) as exc:
        validate_upload(file, max_bytes=LIMIT)
    assert "文件" in exc.value.messages[0]


@pytest.mark.parametrize(
    ("name", "content", "kind"),
    [
        ("协议.pdf", PDF, "pdf"),
        ("照片.PNG", PNG, "png"),
        ("照片.jpg", JPG, "jpg"),
        ("扫描件.pdf", REAL_PDF, "pdf"),
        ("申报书.docx", ooxml("docx"), "docx"),
        ("预算表.xlsx", ooxml("xlsx"), "xlsx"),
    ],
)
def test_genuine_files_pass(name, content, kind):
    assert validate_upload(upload(name, content), max_bytes=LIMIT).kind == kind


def test_exactly_the_limit_passes_and_one_byte_more_fails():
    exact = upload("a.pdf", padded_pdf(LIMIT))
    assert validate_upload(exact, max_bytes=LIMIT).size == LIMIT
    with pytest.raises(ValidationError):
        validate_upload(upload("a.pdf", padded_pdf(LIMIT + 1)), max_bytes=LIMIT)


@pytest.mark.django_db
def test_an_oversized_body_is_refused_before_it_is_read(client, settings):
    """Issue 13: a 200 MB POST is answered 413 from its Content-Length, unread."""
    settings.REQUEST_MAX_BYTES = 1024
    response = client.generic(
        "POST", "/accounts/login/", b"x" * 10, CONTENT_LENGTH=str(200 * 1024 * 1024)
    )
    assert response.status_code == 413
    assert "过大" in response.content.decode()


def test_a_body_without_length_is_cut_off_while_streaming(settings):
    from django.core.files.uploadhandler import StopUpload

    from stations.uploads import SizeCappedUploadHandler

    settings.REQUEST_MAX_BYTES = 100
    handler = SizeCappedUploadHandler()
    assert handler.receive_data_chunk(b"a" * 60, 0) == b"a" * 60
    with pytest.raises(StopUpload):
        handler.receive_data_chunk(b"a" * 60, 60)
