"""What a run says: a live line on a terminal, plain timestamped lines elsewhere, --quiet and --verbose."""
import json
import re
import shlex
import shutil
import subprocess

import pytest

STAMP = r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ "


def test_not_on_a_terminal_one_plain_line_per_month(export):
    export.authorize()
    result = export.run("backfill", "--from", "2026-09-28", "--to", "2026-10-03")
    assert "\x1b" not in result.stderr and "\r" not in result.stderr
    lines = result.stderr.strip().splitlines()
    assert all(re.match(STAMP, line) for line in lines), lines
    months = [line for line in lines if " info: month " in line]
    assert len(months) == 2 and "2026-09 1min: 3 day(s)" in months[0]


def test_quiet_says_nothing_and_verbose_shows_each_request_without_a_token(export):
    export.authorize()
    quiet = export.run("backfill", "--from", "2026-10-01", "--to", "2026-10-02", "--quiet")
    assert quiet.stderr == "" and "2026-10-01..2026-10-02" in quiet.stdout
    verbose = export.run("backfill", "--from", "2026-10-03", "--to", "2026-10-04", "--verbose")
    assert re.search(STAMP.rstrip("^") + r"debug: GET /1/user/-/activities/heart/date/2026-10-03/1d/1min.json 200 \d+ ms", verbose.stderr, re.M)
    credentials = export.credentials()
    for secret in (credentials["refresh_token"], credentials["access_token"]):
        assert secret not in verbose.stderr
    assert export.run("backfill", "--quiet", "--verbose", check=False).returncode == 2


def test_on_a_terminal_one_line_redrawn_in_place(export):
    from conftest import require_tool
    require_tool("script", "bsdutils")
    export.authorize()
    command = " ".join(shlex.quote(a) for a in [export.bin, "backfill", "--from", "2026-10-05", "--to", "2026-10-09"])
    result = subprocess.run(["script", "-qfec", command, "/dev/null"], capture_output=True, env=export.env, timeout=120)
    screen = result.stdout.decode()  # bytes: text mode would turn every \r into \n
    assert result.returncode == 0, screen
    assert "\r\x1b[K" in screen
    assert re.search(r"1min  5/5 days  2026-10  [\d,]+ rows  requests \d+/150 this window", screen)
