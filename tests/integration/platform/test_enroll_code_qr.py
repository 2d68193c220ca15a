"""`auditapp admin enroll-code` prints a QR code a camera app reads back as the code, or says why it
cannot draw one on this terminal; the quality app's QR picture reads back the same way."""

from __future__ import annotations

import io
import re

import pytest
import zxingcpp
from PIL import Image

from auditapp.services.quality.admin import qr_png
from tests.support.processes import run_cli


def _issue(cli_env: dict[str, str], **env: str) -> tuple[str, str]:
    """(the code, what the command printed) for a fresh auditor's enrollment code."""
    setup = {**cli_env, "AUDITAPP_PASSWORD": "some-password-1"}
    assert run_cli(["admin", "init"], setup).returncode == 0
    assert run_cli(["admin", "create-user", "ann", "--role", "auditor"], setup).returncode == 0
    printed = run_cli(["admin", "enroll-code", "--user", "ann"], {**cli_env, **env})
    assert printed.returncode == 0, printed.stderr
    found = re.search(r"enrollment code for ann: (\S+)", printed.stdout)
    assert found is not None
    return found.group(1), printed.stdout


def _terminal_picture(printed: str) -> Image.Image:
    """The QR code as the terminal shows it: each character is two modules, one above the other; a block
    half is lit (the terminal's foreground), a space is dark."""
    rows = [line for line in printed.splitlines() if line and set(line) <= set("█▀▄ ")]
    width = max(len(row) for row in rows)
    picture = Image.new("L", (width, 2 * len(rows)), 0)
    for y, row in enumerate(rows):
        for x, char in enumerate(row.ljust(width)):
            picture.putpixel((x, 2 * y), 255 if char in "█▀" else 0)
            picture.putpixel((x, 2 * y + 1), 255 if char in "█▄" else 0)
    return picture.resize((width * 8, 2 * len(rows) * 8), Image.Resampling.NEAREST)


def _read(picture: Image.Image) -> list[tuple[str, str]]:
    return [(found.text, found.format.name) for found in zxingcpp.read_barcodes(picture)]


@pytest.mark.req("SYN-101")
def test_the_printed_qr_code_is_a_full_qr_code_that_reads_back_as_the_code(cli_env: dict[str, str]) -> None:
    code, printed = _issue(cli_env, COLUMNS="80")
    assert _read(_terminal_picture(printed)) == [(code, "QRCode")]  # not Micro QR: camera apps skip those


@pytest.mark.req("SYN-101")
@pytest.mark.parametrize(
    ("env", "reason"),
    [
        ({"COLUMNS": "20"}, "the terminal is 20 characters wide and the QR code needs 29"),
        (
            {"PYTHONIOENCODING": "ascii", "COLUMNS": "80"},
            "the terminal's encoding (ascii) has no block characters",
        ),
    ],
)
def test_a_terminal_that_cannot_show_the_qr_code_gets_the_code_and_the_reason(
    cli_env: dict[str, str], env: dict[str, str], reason: str
) -> None:
    code, printed = _issue(cli_env, **env)
    assert printed.endswith(f"(no QR code: {reason}; type the code instead)\n")
    assert "█" not in printed
    assert "?" not in printed.replace(code, "")


@pytest.mark.req("QAP-010")
def test_the_quality_apps_qr_picture_is_a_full_qr_code_that_reads_back_as_the_code() -> None:
    assert _read(Image.open(io.BytesIO(qr_png("ABCDE-FGHJK")))) == [("ABCDE-FGHJK", "QRCode")]
