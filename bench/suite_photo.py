"""Benchmark `photo`: a 4000x3000 camera JPEG to a display image and a thumbnail.

Workload: one generated 12-megapixel JPEG with camera-like detail (gradients, edges, sensor noise) and
camera EXIF (orientation, capture time, GPS, serial number), run through `process_photo`.

Baselines, measured in the same run on the same file:
- bare minimum: JPEG draft decode to the same scale + one resize (to the thumbnail) + one JPEG encode
  (of the display image), with no EXIF handling, orientation or hashing;
- plain: full-size decode, resize to 2048 px, resize to 256 px, encode both (what code without draft
  mode does).
Peak added memory is the growth of the process's peak resident set (Pillow allocates outside the Python
heap, so tracemalloc would not see it), each measured in a fresh subprocess.
"""

from __future__ import annotations

import io
import json
import subprocess
import sys
import tempfile
from pathlib import Path

from PIL import Image, ImageDraw

from auditapp.media import process_photo
from auditapp.media.photo import _draft_size
from bench.harness import Report, median, samples


def camera_jpeg(width: int = 4000, height: int = 3000) -> bytes:
    """A JPEG with camera-like content and EXIF, about as large as a tablet camera's."""
    base = Image.linear_gradient("L").resize((width, height))
    other = Image.radial_gradient("L").resize((width, height))
    noise = [Image.effect_noise((width, height), 40 + 10 * i) for i in range(3)]
    image = Image.merge(
        "RGB", [Image.blend(Image.blend(base, other, 0.3 * i), n, 0.15) for i, n in enumerate(noise)]
    )
    draw = ImageDraw.Draw(image)
    for i in range(40):
        x, y = (i * 997) % width, (i * 613) % height
        draw.rectangle((x, y, x + 300, y + 200), outline=(6 * i, 255 - 6 * i, 90), width=8)
    exif = Image.Exif()
    exif[0x0112] = 1
    exif.get_ifd(0x8769)[0x9003] = "2026:03:14 09:26:53"
    gps = exif.get_ifd(0x8825)
    gps.update({1: "N", 2: (47.0, 22.0, 30.0), 3: "E", 4: (8.0, 32.0, 24.0)})
    out = io.BytesIO()
    image.save(out, format="JPEG", quality=92, exif=exif.tobytes())
    return out.getvalue()


def bare_minimum(data: bytes) -> bytes:
    """Draft decode + one resize + one encode: the least any pipeline producing these outputs does."""
    image = Image.open(io.BytesIO(data))
    image.draft("RGB", _draft_size(*image.size))
    image.load()
    image.resize((256, 192), Image.Resampling.LANCZOS, reducing_gap=2.0)  # the cheapest good-quality resize
    out = io.BytesIO()
    image.save(out, format="JPEG", quality=85)
    return out.getvalue()


def plain_full_decode(data: bytes) -> bytes:
    """Full-size decode and two resizes, both encoded: the pipeline without draft mode."""
    image = Image.open(io.BytesIO(data))
    image.load()
    display = image.resize((2048, 1536), Image.Resampling.LANCZOS)
    thumb = display.resize((256, 192), Image.Resampling.LANCZOS)
    out = io.BytesIO()
    display.save(out, format="JPEG", quality=85)
    thumb.save(io.BytesIO(), format="JPEG", quality=80)
    return out.getvalue()


_MEASURE = """
import sys
from pathlib import Path
from bench.suite_photo import bare_minimum, plain_full_decode
from auditapp.media import process_photo
from auditapp.media.photo import _setup

def high_water_kb():
    # VmHWM: the peak resident set of this process image (ru_maxrss would carry the parent's over exec)
    for line in open("/proc/self/status"):
        if line.startswith("VmHWM:"):
            return int(line.split()[1])
    raise SystemExit("no /proc/self/status")

_setup()
data = Path(sys.argv[1]).read_bytes()
fn = {"pipeline": process_photo, "bare": bare_minimum, "plain": plain_full_decode}[sys.argv[2]]
before = high_water_kb()
fn(data)
print((high_water_kb() - before) * 1024)
"""


def _peak_added_bytes(path: Path, which: str) -> int:
    out = subprocess.run(
        [sys.executable, "-c", _MEASURE, str(path), which], capture_output=True, text=True, check=True
    )
    return int(out.stdout.strip())


def run(quick: bool) -> Report:
    """Median time and peak memory of the pipeline against the two baselines."""
    repeat = 5 if quick else 15
    data = camera_jpeg()
    process_photo(data)  # warm up: plugin registration, first-use allocations
    report = Report(suite="photo")
    pipeline = median(samples(lambda: process_photo(data), repeat))
    bare = median(samples(lambda: bare_minimum(data), repeat))
    plain = median(samples(lambda: plain_full_decode(data), max(3, repeat // 2)))
    report.metrics["pipeline_median_ms"] = round(pipeline * 1000, 1)
    report.baseline["bare_minimum_median_ms"] = round(bare * 1000, 1)
    report.baseline["plain_full_decode_median_ms"] = round(plain * 1000, 1)
    report.ratio("pipeline_vs_bare_minimum", "pipeline_median_ms", "bare_minimum_median_ms")
    report.ratios["plain_full_decode_vs_pipeline"] = round(plain / pipeline, 2)
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "camera.jpg"
        path.write_bytes(data)
        report.metrics["pipeline_peak_added_mb"] = round(_peak_added_bytes(path, "pipeline") / 2**20, 1)
        report.baseline["bare_minimum_peak_added_mb"] = round(_peak_added_bytes(path, "bare") / 2**20, 1)
        report.baseline["plain_full_decode_peak_added_mb"] = round(
            _peak_added_bytes(path, "plain") / 2**20, 1
        )
    photo = process_photo(data)
    report.notes.update(
        {
            "source": {"width": 4000, "height": 3000, "bytes": len(data)},
            "display": {"width": photo.width, "height": photo.height, "bytes": len(photo.image)},
            "thumbnail_bytes": len(photo.thumbnail),
            "repeat": repeat,
        }
    )
    report.target("pipeline_vs_bare_minimum", "<=", 1.5)
    report.target("plain_full_decode_vs_pipeline", ">=", 4)
    json.dumps(report.as_json())
    return report
