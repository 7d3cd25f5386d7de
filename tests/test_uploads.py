"""Upload limits: type, size and count, each with a clear reason; names cannot escape the folder."""

from __future__ import annotations

from assistant.settings import Settings
from assistant.uploads import accept_uploads, safe_name


def test_limits_on_type_size_and_count(tmp_path):
    settings = Settings(index_dir=tmp_path / "store", max_upload_mb=1, max_upload_files=3)
    good = tmp_path / "notes.md"
    good.write_text("Nurses valued protected time.")
    big = tmp_path / "big.txt"
    big.write_bytes(b"x" * (1024 * 1024 + 1))
    slides = tmp_path / "slides.pptx"
    slides.write_bytes(b"pk")
    extra = tmp_path / "extra.txt"
    extra.write_text("more")
    result = accept_uploads([good, big, slides, extra], settings)
    assert [p.name for p in result.saved] == ["notes.md"]
    assert (settings.uploads_dir / "notes.md").read_text() == "Nurses valued protected time."
    reasons = dict(result.rejected)
    assert "larger than 1 MB" in reasons["big.txt"]
    assert "not supported" in reasons["slides.pptx"]
    assert "more than 3 files" in reasons["extra.txt"]


def test_uploaded_names_stay_inside_the_uploads_folder():
    assert safe_name("../../etc/passwd.txt") == "passwd.txt"
    assert safe_name("报告 <final>.md") == "报告_final_.md"
    assert "/" not in safe_name("a/b\\c.txt")


def test_uploads_are_part_of_the_default_index_paths(tmp_path):
    settings = Settings(index_dir=tmp_path / "store", sources_dir=tmp_path / "src")
    assert settings.source_paths() == [tmp_path / "src"]
    settings.uploads_dir.mkdir(parents=True)
    assert settings.source_paths() == [tmp_path / "src", tmp_path / "store" / "uploads"]
