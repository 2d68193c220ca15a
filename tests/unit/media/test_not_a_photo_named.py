"""A file that is not a photo is refused naming what it is: binary files are never called text."""

from __future__ import annotations

import os

import pytest

from auditapp.media import PhotoError, process_photo

ACCEPTED = "; accepted formats are JPEG, PNG, HEIC"


def refusal(data: bytes) -> str:
    with pytest.raises(PhotoError) as refused:
        process_photo(data)
    return str(refused.value)


@pytest.mark.req("FLD-115")
@pytest.mark.parametrize(
    ("data", "named"),
    [
        (
            b"\x00\x00\x00\x20ftypisom\x00\x00\x02\x00isomiso2avc1mp41" + bytes(200),
            "a video (MP4, MOV or 3GP)",
        ),
        (b"\x00\x00\x00\x14ftypqt  \x00\x00\x00\x00qt  " + bytes(200), "a video (MOV)"),
        (b"\x00\x00\x00\x18ftypM4A \x00\x00\x00\x00M4A mp42" + bytes(200), "a sound recording (M4A)"),
        (b"\x00\x00\x00\x18ftypheix\x00\x00\x00\x00mif1heix" + bytes(200), "a HEIF/AVIF image of a kind"),
        (b"II*\x00\x10\x00\x00\x00CR\x02\x00" + bytes(200), "a TIFF image or camera raw file"),
    ],
)
def test_common_files_picked_by_mistake_are_named_for_what_they_are(data: bytes, named: str) -> None:
    message = refusal(data)
    assert message.startswith(f"not a photo: the file is {named}")
    assert message.endswith(ACCEPTED)


@pytest.mark.req("FLD-115")
@pytest.mark.parametrize(
    "data",
    [
        bytes(4096),  # a raw sensor dump: all zeros
        os.urandom(4096),
        b"\x01\x02\x03\x04\x05\x06\x07\x08\x0e\x0f\x10\x11\x12\x13\x14\x15" * 8,  # control bytes, valid UTF-8
    ],
    ids=["zeros", "random", "control-bytes"],
)
def test_binary_data_is_never_called_a_text_file(data: bytes) -> None:
    message = refusal(data)
    assert "text" not in message
    assert message == f"not a photo: the file is an unrecognised binary file{ACCEPTED}"


@pytest.mark.req("FLD-115")
def test_text_with_accented_letters_is_still_called_text() -> None:
    # "ü" straddles the 16th byte: text is not judged by a cut-off start
    data = "Siegelnaht geprüft – Ergebnis i.O. 😀\r\n\tCharge 7\n".encode() * 30
    assert refusal(data) == f"not a photo: the file is a text file{ACCEPTED}"
