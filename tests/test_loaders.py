"""Loading: encodings, HTML, PDF, and files that cannot be read."""

from __future__ import annotations

from pathlib import Path

import pytest

from assistant.errors import UnreadableSource
from assistant.loaders import find_sources, load_source

CHINESE = "本研究采用质性研究方法，对8名医护人员进行访谈。"
ENGLISH = "Eight staff who attended a 12-week group were interviewed."


def write(path: Path, data: bytes) -> Path:
    path.write_bytes(data)
    return path


@pytest.mark.parametrize(
    "encoding",
    ["utf-8", "utf-8-sig", "gb18030", "gbk", "utf-16", "utf-16-le", "utf-16-be"],
)
def test_text_in_any_supported_encoding_decodes_exactly(tmp_path, encoding):
    text = f"{ENGLISH}\n{CHINESE}\n" * 3
    data = text.encode(encoding)
    if encoding in ("utf-16-le", "utf-16-be"):
        data = ("\ufeff" + text).encode(encoding)  # UTF-16 files carry a byte-order mark
    raw = load_source(write(tmp_path / f"doc-{encoding}.txt", data))
    assert raw.text.strip() == text.strip()


def test_gb18030_file_without_any_marker_is_detected(tmp_path):
    text = "关怀取向治疗团体干预的质性研究。参与者认为团体形式减少了孤立感。" * 4
    raw = load_source(write(tmp_path / "gb.txt", text.encode("gb18030")))
    assert raw.text == text


@pytest.mark.parametrize(
    ("name", "data", "reason"),
    [
        ("empty.txt", b"", "empty"),
        ("blank.md", b"  \n\n ", "empty"),
        ("binary.txt", bytes(range(256)) * 8, "binary"),
        ("corrupt.pdf", b"%PDF-1.4\n1 0 obj << /Type /Catalog >>\ngarbage without xref", "PDF"),
        ("not-a-pdf.pdf", b"this is plain text pretending", "PDF"),
    ],
)
def test_unreadable_files_raise_a_one_line_reason(tmp_path, name, data, reason):
    with pytest.raises(UnreadableSource) as info:
        load_source(write(tmp_path / name, data))
    message = str(info.value)
    assert reason.lower() in message.lower()
    assert "\n" not in message


def minimal_pdf(text: str) -> bytes:
    """A one-page PDF with the given text, written by hand (no PDF library needed)."""
    stream = f"BT /F1 12 Tf 72 720 Td ({text}) Tj ET".encode("latin-1")
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R "
        b"/Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length %d >>\nstream\n" % len(stream) + stream + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, 1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % off for off in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    return bytes(out)


def test_pdf_text_is_extracted(tmp_path):
    raw = load_source(write(tmp_path / "study.pdf", minimal_pdf("Nine peer volunteers were recruited.")))
    assert "Nine peer volunteers were recruited." in raw.text
    assert raw.kind == "pdf"


def test_html_keeps_visible_text_and_drops_scripts_and_navigation(tmp_path):
    page = (
        "<html><head><style>p{}</style><script>alert('x')</script></head><body>"
        "<nav>Home | About | Login</nav><h1>Peer support study</h1><p>Nine peer volunteers took part.</p>"
        "<footer>Copyright 2024</footer></body></html>"
    )
    raw = load_source(write(tmp_path / "page.html", page.encode()))
    assert "Nine peer volunteers took part." in raw.text
    assert "Peer support study" in raw.text
    for gone in ("alert", "Login", "Copyright", "p{}"):
        assert gone not in raw.text


def test_find_sources_expands_folders_and_reports_what_it_skips(tmp_path):
    (tmp_path / "a.txt").write_text("x")
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "b.md").write_text("y")
    (tmp_path / "image.png").write_bytes(b"\x89PNG")
    (tmp_path / ".hidden.txt").write_text("z")
    found, skipped = find_sources([tmp_path, tmp_path / "missing.txt"])
    assert [p.name for p in found] == ["a.txt", "b.md"]
    reasons = {p.name: r for p, r in skipped}
    assert "unsupported" in reasons["image.png"]
    assert reasons["missing.txt"] == "does not exist"
