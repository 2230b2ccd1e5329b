import pytest
from django.core.exceptions import ValidationError

from stations.uploads import validate_upload
from tests.security.upload_corpus import PDF, PNG, hostile_files, ooxml, upload

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
        ("申报书.docx", ooxml("docx"), "docx"),
        ("预算表.xlsx", ooxml("xlsx"), "xlsx"),
    ],
)
def test_genuine_files_pass(name, content, kind):
    assert validate_upload(upload(name, content), max_bytes=LIMIT).kind == kind


def test_exactly_the_limit_passes_and_one_byte_more_fails():
    exact = upload("a.pdf", PDF + b"0" * (LIMIT - len(PDF)))
    assert validate_upload(exact, max_bytes=LIMIT).size == LIMIT
    with pytest.raises(ValidationError):
        validate_upload(upload("a.pdf", PDF + b"0" * (LIMIT + 1 - len(PDF))), max_bytes=LIMIT)
