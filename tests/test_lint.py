"""The package, tests, benchmarks and notebooks pass ruff (configured in pyproject.toml)."""

import subprocess
import sys

from medlead.paths import PROJECT_ROOT


def test_ruff_check_is_clean():
    result = subprocess.run(
        [sys.executable, "-m", "ruff", "check", "--no-cache", "."],
        cwd=PROJECT_ROOT,
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stdout + result.stderr
