"""`hrexport report`: a self-contained SVG of a month and of a year, rendered to PNG by a real renderer."""
import os
import shutil
import subprocess
import xml.etree.ElementTree as ET

import pytest

from conftest import Export

SVG = "{http://www.w3.org/2000/svg}"


@pytest.fixture
def holiday(tmp_path):
    e = Export(tmp_path, "--off-wrist", "2026-10-12..2026-10-14")
    e.authorize()
    e.run("backfill", "--from", "2026-10-01", "--to", "2026-10-31")
    yield e
    e.close()


def render(svg, png):
    from conftest import require_tool
    require_tool("rsvg-convert", "librsvg2-bin")
    subprocess.run(["rsvg-convert", "-w", "900", str(svg), "-o", str(png)], check=True, timeout=60)
    data = png.read_bytes()
    assert data.startswith(b"\x89PNG\r\n\x1a\n")
    return data


def test_a_month_is_a_heat_map_with_resting_rate_and_marked_gaps(holiday, tmp_path):
    path = holiday.run("report", "--month", "2026-10").stdout.strip()
    assert path == str(holiday.out / "SANDBOX1" / "reports" / "2026-10.svg")
    text = open(path, encoding="utf-8").read()
    assert "<script" not in text and "@import" not in text and "href=" not in text
    root = ET.fromstring(text)
    cells = [r for r in root.iter(SVG + "rect") if r.find(SVG + "title") is not None]
    assert len(cells) == 31 * 24
    no_data = [c for c in cells if c.find(SVG + "title").text.endswith("no data")]
    assert len(no_data) >= 3 * 24  # the three days off the wrist, and a few watch-off hours
    coloured = {c.get("fill") for c in cells} - {"#eeeeee"}
    assert len(coloured) > 10
    marks = [t.text for t in root.iter(SVG + "text") if t.text and t.text.startswith("\u2715")]
    assert len(marks) >= 3 and all("empty" in m for m in marks[:3])
    assert len(list(root.iter(SVG + "polyline"))) >= 2  # the resting line, broken by the gap
    png = render(path, tmp_path / "month.png")
    assert len(png) > 20_000


def test_a_year_has_a_panel_per_month_and_svg_can_name_the_file(holiday, tmp_path):
    target = tmp_path / "year.svg"
    assert holiday.run("report", "--year", "2026", "--svg", str(target)).stdout.strip() == str(target)
    root = ET.fromstring(target.read_text(encoding="utf-8"))
    labels = [t.text for t in root.iter(SVG + "text") if t.text and t.text.startswith("2026-")]
    assert len(labels) == 12
    assert len(render(target, tmp_path / "year.png")) > 5_000


def test_report_refuses_bad_input(holiday):
    for args in (["report"], ["report", "--month", "2026-13"], ["report", "--month", "2026-10", "--year", "2026"]):
        result = holiday.run(*args, check=False)
        assert result.returncode == 2 and len(result.stderr.strip().splitlines()) == 1, args


def test_status_draws_each_month_as_a_strip_of_days(holiday):
    import json
    table = holiday.run("status").stdout
    row = next(line for line in table.splitlines() if line.startswith("2026-10 "))
    strip = row[9:9 + 31]
    assert strip[11:14] == "..."  # the three days off the wrist are empty
    assert strip.count("#") >= 25
    assert "nothing missing" in table and "token   fingerprint" in table and "ago)" in table
    report = json.loads(holiday.run("status", "--json").stdout)
    month = next(m for m in report["months"] if m["month"] == "2026-10")
    assert month["days"] == strip and month["file_bytes"] > 1000
    assert month["complete"] == strip.count("#") and month["empty"] == strip.count(".")
