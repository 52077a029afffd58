"""Fixtures for the interop tests: the real hrexport binary, a sandbox it starts, and an authorized export."""
import os
import subprocess
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def require_tool(name: str, packages: str):
    """A tool a test needs: missing under CI=1 is a failure, never a skip; elsewhere a skip naming the packages."""
    import shutil
    if shutil.which(name) is None:
        message = f"{name} is missing: install the Debian packages {packages}"
        if os.environ.get("CI"):
            pytest.fail("CI must run this test, but " + message)
        pytest.skip(message)


def binary() -> str:
    path = os.environ.get("HREXPORT_BIN") or str(ROOT / ".build" / "debug" / "hrexport")
    if not os.access(path, os.X_OK):
        pytest.fail(f"hrexport binary not found at {path}; run `make test`")
    return path


class Export:
    def __init__(self, tmp: Path, *sandbox_args: str):
        self.bin = binary()
        self.tmp = tmp
        self.out = tmp / "out"
        self.state = tmp / "state"
        self.sandbox = subprocess.Popen([self.bin, "sandbox", "--port", "0", *sandbox_args], stdout=subprocess.PIPE, text=True)
        self.base = self.sandbox.stdout.readline().strip()
        assert self.base.startswith("http://127.0.0.1:"), self.base
        self.env = {k: v for k, v in os.environ.items() if not k.startswith("HREXPORT_")}
        self.env.update(HREXPORT_API_BASE=self.base, HREXPORT_CLIENT_ID="pytest", HREXPORT_STATE_DIR=str(self.state), HREXPORT_OUT=str(self.out))

    def authorize(self, *args: str):
        auth = subprocess.Popen([self.bin, "auth", "--port", "0", "--no-browser", *args], stdout=subprocess.PIPE, text=True, env=self.env)
        url = auth.stdout.readline().strip()
        urllib.request.urlopen(url, timeout=10).read()  # follows the redirect to the callback listener
        assert auth.wait(timeout=20) == 0

    def run(self, *args, check=True):
        result = subprocess.run([self.bin, *args], capture_output=True, text=True, env=self.env, timeout=300)
        if check:
            assert result.returncode == 0, result.stderr
        return result

    def credentials_path(self, source: str = "fitbit", user: str = "SANDBOX1") -> Path:
        """One file per (source, user), as hrexport 0.2 stores them."""
        return self.state / "credentials" / f"{source}-{user}.json"

    def credentials(self, source: str = "fitbit", user: str = "SANDBOX1"):
        """The stored entry of (source, user), or None when there is none."""
        import json
        path = self.credentials_path(source, user)
        return json.loads(path.read_text()) if path.exists() else None

    def truth(self, date: str, detail: str = "1min"):
        import json
        with urllib.request.urlopen(f"{self.base}/_sandbox/truth?user=SANDBOX1&date={date}&detail={detail}", timeout=30) as r:
            return json.load(r)

    def truth_rows(self, first: str, last: str, detail: str = "1min"):
        """The sandbox's rows of every day from first to last, as (epoch_ms, utc_offset_min, bpm) tuples."""
        import datetime
        day, end, rows = datetime.date.fromisoformat(first), datetime.date.fromisoformat(last), []
        while day <= end:
            rows += [(r["epoch_ms"], r["utc_offset_min"], r["bpm"]) for r in self.truth(day.isoformat(), detail)["rows"]]
            day += datetime.timedelta(days=1)
        return rows

    def close(self):
        self.sandbox.terminate()
        self.sandbox.wait(timeout=10)


@pytest.fixture
def export(tmp_path):
    e = Export(tmp_path)
    yield e
    e.close()
