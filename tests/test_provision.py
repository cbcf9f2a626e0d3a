"""tfgen installs its pinned checkov itself, the way pre-commit provisions hooks.

The real thing needs a package index, which these tests may not reach (offline). So the
success path installs a test double: a wheel named checkov 3.3.30 that only prints its name,
built here, installed by the real pip into a real virtual environment through
$TFGEN_PIP_REQUIREMENT_CHECKOV (the override mirrors and air-gapped machines use). The failure
path runs the real requirement `checkov==3.3.30` with no index reachable.
"""

from __future__ import annotations

import os
import subprocess
import zipfile
from pathlib import Path

import pytest
from tfgen.cli import app
from tfgen.errors import ToolError
from tfgen.scan.checkov import CHECKOV, CHECKOV_VERSION, find_checkov
from typer.testing import CliRunner


def fake_checkov_wheel(folder: Path) -> Path:
    """A wheel named checkov 3.3.30 whose `checkov` script prints one line (a test double)."""
    dist = f"checkov-{CHECKOV_VERSION}.dist-info"
    files = {
        "fakecheckov/__init__.py": "def main():\n    print('checkov test double')\n",
        f"{dist}/METADATA": f"Metadata-Version: 2.1\nName: checkov\nVersion: {CHECKOV_VERSION}\n",
        f"{dist}/WHEEL": (
            "Wheel-Version: 1.0\nGenerator: tfgen-tests\nRoot-Is-Purelib: true\nTag: py3-none-any\n"
        ),
        f"{dist}/entry_points.txt": "[console_scripts]\ncheckov = fakecheckov:main\n",
    }
    files[f"{dist}/RECORD"] = "".join(f"{p},,\n" for p in files) + f"{dist}/RECORD,,\n"
    path = folder / f"checkov-{CHECKOV_VERSION}-py3-none-any.whl"
    with zipfile.ZipFile(path, "w") as archive:
        for name, text in files.items():
            archive.writestr(name, text)
    return path


@pytest.fixture
def offline_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An empty tfgen cache, no checkov configured, and pip with no index to reach."""
    cache = tmp_path / "cache"
    monkeypatch.setenv("TFGEN_CACHE_DIR", str(cache))
    monkeypatch.delenv("TFGEN_CHECKOV", raising=False)
    monkeypatch.setenv("PIP_NO_INDEX", "1")
    monkeypatch.setenv("PIP_CONFIG_FILE", os.devnull)
    monkeypatch.delenv("PIP_FIND_LINKS", raising=False)
    return cache


@pytest.mark.slow
def test_first_use_installs_the_pinned_checkov_once_and_reuses_it(
    offline_cache: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("TFGEN_PIP_REQUIREMENT_CHECKOV", str(fake_checkov_wheel(tmp_path)))
    home = offline_cache / "tools" / f"checkov-{CHECKOV_VERSION}"
    found = find_checkov()
    assert found == home / "bin" / "checkov"
    said = capsys.readouterr().err.splitlines()
    assert said[0] == (
        f"tfgen: installing checkov {CHECKOV_VERSION} into {home} (once per machine, about a "
        "minute; later runs reuse it)"
    )
    assert said[1].startswith(f"tfgen: checkov {CHECKOV_VERSION} installed in ")
    assert (
        subprocess.run([found], capture_output=True, text=True, check=True).stdout == "checkov test double\n"
    )
    assert (home / ".complete").is_file()
    assert oct((offline_cache / "tools").stat().st_mode & 0o777) == "0o700"

    assert find_checkov() == found  # reused: nothing said, nothing installed
    assert capsys.readouterr().err == ""


@pytest.mark.slow
def test_a_half_built_environment_is_built_again(
    offline_cache: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("TFGEN_PIP_REQUIREMENT_CHECKOV", str(fake_checkov_wheel(tmp_path)))
    home = CHECKOV.home()
    (home / "bin").mkdir(parents=True)
    (home / "bin" / "checkov").write_text("#!/bin/sh\necho stale\n")  # a crash left it, no marker
    found = find_checkov()
    assert "installing checkov" in capsys.readouterr().err
    assert (
        subprocess.run([found], capture_output=True, text=True, check=True).stdout == "checkov test double\n"
    )


@pytest.mark.slow
def test_offline_with_no_index_says_the_one_command_to_run(offline_cache: Path) -> None:
    home = offline_cache / "tools" / f"checkov-{CHECKOV_VERSION}"
    with pytest.raises(ToolError) as caught:
        find_checkov()
    message = str(caught.value)
    assert message.startswith(
        f"could not install checkov {CHECKOV_VERSION} (checkov=={CHECKOV_VERSION}): pip says "
    )
    assert (
        f"run: python3 -m venv {home} && {home}/bin/pip install 'checkov=={CHECKOV_VERSION}' "
        f"&& touch {home}/.complete (or point TFGEN_CHECKOV at an installed checkov)"
    ) in message
    assert not home.exists()  # nothing half-built left behind


@pytest.mark.slow
def test_scan_without_checkov_offline_exits_2_without_traceback(offline_cache: Path, tmp_path: Path) -> None:
    (tmp_path / "main.tf").write_text('resource "null_resource" "x" {}\n')
    result = CliRunner().invoke(app, ["scan", str(tmp_path)], catch_exceptions=False)
    assert result.exit_code == 2
    assert "could not install checkov" in result.output and "Traceback" not in result.output


def test_tfgen_checkov_still_overrides(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TFGEN_CACHE_DIR", str(tmp_path / "cache"))
    mine = tmp_path / "checkov"
    mine.write_text("#!/bin/sh\n")
    mine.chmod(0o755)
    monkeypatch.setenv("TFGEN_CHECKOV", str(mine))
    assert find_checkov() == mine
    assert not (tmp_path / "cache" / "tools").exists()
