"""The spare trivy (tfgen.scan.spare): a real trivy started ahead of a scan that has loaded its
checks and waits at a FIFO; the next scan hands it its tree. Everything here runs the real
trivy binary and the real keeper process; nothing is simulated but a Ctrl-C (raised inside the
wait, since a real one cannot be aimed at that instant)."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from test_scan import PER_ENV_TF
from tfgen import scan as scan_mod
from tfgen.scan import spare
from tfgen.scan import trivy as trivy_mod

pytestmark = [pytest.mark.slow, pytest.mark.usefixtures("trivy")]

# prod's database loses its deletion protection; a file trivy cannot parse comes with it
EDITED = {
    **PER_ENV_TF,
    "envs/prod/terraform.tfvars": "protect = false\n",
    "envs/dev/broken.tf": 'resource "aws_s3_bucket" "x" {\n',
}


@pytest.fixture
def spares(monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """Spares on, in a private cache folder; every spare ended afterwards, and proven gone."""
    cache = Path(tempfile.mkdtemp(prefix="tfgen-sp-"))
    monkeypatch.setenv("TFGEN_CACHE_DIR", str(cache))
    monkeypatch.setenv("TFGEN_SCAN_SERVER", "1")
    try:
        yield cache
    finally:
        spare.stop_spares()
        wait_for(lambda: not processes_under(cache), "the spares' processes to end")
        shutil.rmtree(cache, ignore_errors=True)


def wait_for(condition, what: str, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.05)


def processes_under(folder: Path) -> list[int]:
    """The live processes whose command line names `folder` (keepers and their trivy)."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            cmdline = (entry / "cmdline").read_bytes()
            state = (entry / "stat").read_text().rsplit(") ", 1)[-1][:1]
        except OSError:
            continue
        if os.fsencode(folder) in cmdline and state != "Z":
            found.append(int(entry.name))
    return found


def folders() -> list[Path]:
    return sorted(f for f in spare.spares_dir().iterdir() if f.is_dir())


def started_spare(files: dict[str, bytes], beside_checkov: bool = False) -> Path:
    """Start a spare for scans of `files` and wait until its trivy is blocked at the FIFO."""
    before = set(folders())
    trivy_mod.keep_spare(find_trivy(), files, beside_checkov)
    (folder,) = set(folders()) - before
    wait_for(lambda: (folder / "trivy.pid").is_file(), "the keeper to start trivy")
    pid = int((folder / "trivy.pid").read_text())
    wait_for(lambda: blocked_at_fifo(pid), "the spare trivy to load its checks and wait at its FIFO")
    return folder


def blocked_at_fifo(pid: int) -> bool:
    """Whether a thread of `pid` sleeps opening a FIFO nobody writes (Linux: wait_for_partner)."""
    try:
        tasks = list(Path(f"/proc/{pid}/task").iterdir())
        return any((task / "wchan").read_text() == "wait_for_partner" for task in tasks)
    except OSError:
        return False


def find_trivy() -> Path:
    return scan_mod.find_trivy(None, install=False)


def encoded(files: dict[str, str]) -> dict[str, bytes]:
    return {rel: text.encode() for rel, text in files.items()}


def trivy_commands(calls: list[list[str]]) -> list[list[str]]:
    return [cmd for cmd in calls if str(find_trivy()) in cmd and "trivy_keeper.py" not in " ".join(cmd)]


@pytest.fixture
def popen_calls(monkeypatch: pytest.MonkeyPatch) -> list[list[str]]:
    """Every command tfgen's trivy module starts itself (not the spare's, started earlier)."""
    calls: list[list[str]] = []
    real = trivy_mod.subprocess.Popen

    def spy(cmd, **kwargs):
        calls.append([str(part) for part in cmd])
        return real(cmd, **kwargs)

    monkeypatch.setattr(trivy_mod.subprocess, "Popen", spy)
    return calls


def comparable(reports: dict[str, str]) -> dict[str, object]:
    """A report without what differs between any two trivy runs (its id and time)."""
    out = {}
    for root, text in reports.items():
        data = json.loads(text)
        data.pop("ReportID", None)
        data.pop("CreatedAt", None)
        out[root] = data
    return out


def test_a_spare_trivy_answers_as_a_cold_trivy(
    spares: Path, popen_calls: list[list[str]], monkeypatch: pytest.MonkeyPatch
) -> None:
    """The spare has loaded its checks and read nothing of the tree (it does not exist yet);
    given the edited tree it reports exactly what a cold trivy does: the same results, parse
    errors and report, its folder not in it; and no trivy process is started for the scan."""
    folder = started_spare(encoded(PER_ENV_TF))
    assert not spare.tree_of(folder).exists(), "the spare's target does not exist before the scan"

    warm = trivy_mod.run_trivy(find_trivy(), encoded(EDITED))
    assert trivy_commands(popen_calls) == [], "the spare scanned: no trivy was started"
    assert not folder.exists(), "a used spare leaves nothing behind"

    monkeypatch.setenv("TFGEN_SCAN_SERVER", "0")
    cold = trivy_mod.run_trivy(find_trivy(), encoded(EDITED))
    assert len(trivy_commands(popen_calls)) == 1, "the cold run is a trivy process of its own"

    assert comparable(warm[0]) == comparable(cold[0])
    assert json.loads(warm[0]["."])["ArtifactName"] == "."
    assert warm[1] == cold[1] == ["envs/dev/broken.tf"]
    failed, passed, _ = trivy_mod.parse_trivy(warm[0])
    assert {(f.root, f.check_id) for f in failed} == {("envs/dev", "AWS-0177"), ("envs/prod", "AWS-0177")}
    assert (failed, passed) == trivy_mod.parse_trivy(cold[0])[:2]


def test_a_spare_serves_only_the_scans_it_was_started_for(
    spares: Path, popen_calls: list[list[str]], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Another kind of scan (beside checkov: niced, one Go thread), another environment for
    trivy or another trivy binary: the spare is not theirs, they run cold and it waits on."""
    folder = started_spare(encoded(PER_ENV_TF))
    trivy_mod.run_trivy(find_trivy(), encoded(PER_ENV_TF), beside_checkov=True)
    monkeypatch.setenv("GOGC", "100")
    trivy_mod.run_trivy(find_trivy(), encoded(PER_ENV_TF))
    monkeypatch.delenv("GOGC")
    other = spares / "other-trivy"
    shutil.copy2(find_trivy(), other)
    trivy_mod.run_trivy(other, encoded(PER_ENV_TF))
    assert len(trivy_commands(popen_calls)) == 2 and any(str(other) in cmd for cmd in popen_calls)
    assert folder.exists() and not (folder / "claimed").exists(), "the spare still waits"
    trivy_mod.run_trivy(find_trivy(), encoded(PER_ENV_TF))
    assert not folder.exists(), "the scan it was started for took it"


def test_a_dead_spare_means_a_cold_run_with_the_same_answer(
    spares: Path, popen_calls: list[list[str]], monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = started_spare(encoded(PER_ENV_TF))
    os.kill(int((folder / "trivy.pid").read_text()), signal.SIGKILL)
    wait_for(lambda: (folder / "rc").exists(), "the keeper to record the exit")
    answer = trivy_mod.run_trivy(find_trivy(), encoded(EDITED))
    assert len(trivy_commands(popen_calls)) == 1, "ran cold"
    assert not folder.exists(), "the dead spare was cleared away"
    monkeypatch.setenv("TFGEN_SCAN_SERVER", "0")
    assert comparable(answer[0]) == comparable(trivy_mod.run_trivy(find_trivy(), encoded(EDITED))[0])


def test_an_unclaimed_spare_ends_after_the_idle_time_and_leaves_nothing(
    spares: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TFGEN_SCAN_SERVER_IDLE", "3")
    folder = started_spare(encoded(PER_ENV_TF))
    wait_for(lambda: not folder.exists(), "the idle spare to remove its folder", timeout=20)
    wait_for(lambda: not processes_under(folder), "the idle spare's processes to end")


def test_stop_server_ends_the_spares(spares: Path) -> None:
    folder = started_spare(encoded(PER_ENV_TF))
    proc = subprocess.run(
        [sys.executable, "-m", "tfgen", "scan", "--stop-server"],
        capture_output=True,
        text=True,
        env={**os.environ, "TFGEN_WARM": "0"},
        check=False,
    )
    assert proc.returncode == 0, proc.stderr
    assert "stopped 1 spare trivy" in proc.stdout
    assert not folder.exists()
    wait_for(lambda: not processes_under(folder), "the stopped spare's processes to end")


def test_a_scan_interrupted_while_its_spare_scans_leaves_no_trivy_running(
    spares: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Ctrl-C while the spare scans: its trivy is ended and its folder removed."""
    folder = started_spare(encoded(PER_ENV_TF))
    pid = int((folder / "trivy.pid").read_text())
    real_sleep = time.sleep
    raised: list[bool] = []

    def interrupted(seconds: float) -> None:
        if spare.tree_of(folder).exists() and not raised:  # released: trivy is scanning
            raised.append(True)
            raise KeyboardInterrupt
        real_sleep(seconds)

    monkeypatch.setattr(spare.time, "sleep", interrupted)
    with pytest.raises(KeyboardInterrupt):
        trivy_mod.run_trivy(find_trivy(), encoded(PER_ENV_TF))
    monkeypatch.setattr(spare.time, "sleep", real_sleep)
    assert not folder.exists()
    wait_for(lambda: not processes_under(folder), "the interrupted spare's trivy to end")
    assert pid not in processes_under(spares)


def test_spares_are_off_where_the_warm_checkov_is(
    spares: Path, popen_calls: list[list[str]], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TFGEN_SCAN_SERVER", "0")
    trivy_mod.keep_spare(find_trivy(), encoded(PER_ENV_TF))
    assert folders() == []
    monkeypatch.delenv("TFGEN_SCAN_SERVER")
    monkeypatch.setenv("CI", "true")
    monkeypatch.delenv("TFGEN_WARM", raising=False)
    trivy_mod.keep_spare(find_trivy(), encoded(PER_ENV_TF))
    assert folders() == []
    assert not any("trivy_keeper.py" in " ".join(cmd) for cmd in popen_calls)


def test_a_scan_waits_for_the_keeper_after_its_trivy_ended(
    spares: Path, popen_calls: list[list[str]], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Between the spare's trivy ending and its keeper recording the exit status, the scan
    waits for the keeper (held here with SIGSTOP for over a second) instead of taking the
    ended trivy for a spare killed mid-scan."""
    import threading

    folder = started_spare(encoded(PER_ENV_TF))
    keeper = int((folder / "keeper.pid").read_text())
    trivy_pid = int((folder / "trivy.pid").read_text())
    os.kill(keeper, signal.SIGSTOP)
    answers: list[tuple[dict[str, str], list[str]]] = []
    try:
        scan = threading.Thread(
            target=lambda: answers.append(trivy_mod.run_trivy(find_trivy(), encoded(EDITED)))
        )
        scan.start()

        def ended() -> bool:
            try:
                return Path(f"/proc/{trivy_pid}/stat").read_text().rsplit(") ", 1)[-1][:1] == "Z"
            except OSError:
                return False

        wait_for(ended, "the spare's trivy to finish its scan")
        time.sleep(1.5)
        assert scan.is_alive(), "the scan waits for the keeper"
    finally:
        os.kill(keeper, signal.SIGCONT)
    scan.join(60)
    assert trivy_commands(popen_calls) == [], "the spare's answer was taken"
    monkeypatch.setenv("TFGEN_SCAN_SERVER", "0")
    assert comparable(answers[0][0]) == comparable(trivy_mod.run_trivy(find_trivy(), encoded(EDITED))[0])


def test_a_scan_right_after_the_last_one_waits_for_its_spare_to_be_ready(
    spares: Path,
    popen_calls: list[list[str]],
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """The hook run again at once: the spare the last scan started is still starting (its keeper
    not yet running, or its trivy still loading its checks). The scan waits for it rather than
    passing it by, and its answer is a cold trivy's."""
    before = set(folders())
    trivy_mod.keep_spare(find_trivy(), encoded(PER_ENV_TF))
    (folder,) = set(folders()) - before
    scan_mod.server.set_verbose(True)
    try:
        warm = trivy_mod.run_trivy(find_trivy(), encoded(EDITED))
    finally:
        scan_mod.server.set_verbose(False)
    said = capsys.readouterr().err
    assert trivy_commands(popen_calls) == [], f"the starting spare scanned: no trivy was started ({said})"
    assert not folder.exists()
    monkeypatch.setenv("TFGEN_SCAN_SERVER", "0")
    assert comparable(warm[0]) == comparable(trivy_mod.run_trivy(find_trivy(), encoded(EDITED))[0])


def test_an_interrupted_scan_ends_the_spare_at_once_and_runs_no_cold_trivy(
    spares: Path, popen_calls: list[list[str]]
) -> None:
    """scan() runs trivy in a thread: on Ctrl-C it sets `cancel`. The spare, in a session of its
    own, gets no signal from the terminal: the scan ends it at once instead of waiting for its
    answer, and starts no trivy in its place."""
    import threading

    from tfgen.errors import ToolError

    folder = started_spare(encoded(PER_ENV_TF))
    pid = int((folder / "trivy.pid").read_text())
    cancel = threading.Event()
    errors: list[BaseException] = []

    def scan() -> None:
        try:
            trivy_mod.run_trivy(find_trivy(), encoded(PER_ENV_TF), cancel=cancel)
        except BaseException as err:  # noqa: BLE001 - the test reads it
            errors.append(err)

    worker = threading.Thread(target=scan)
    worker.start()
    wait_for(lambda: spare.tree_of(folder).exists(), "the scan to hand the spare its tree")
    cancel.set()
    worker.join(5)
    assert not worker.is_alive(), "the scan ended within a few polls, not after trivy's answer"
    assert [type(e) for e in errors] == [ToolError] and "interrupted" in str(errors[0])
    assert trivy_commands(popen_calls) == []
    wait_for(lambda: not processes_under(folder), "the spare's trivy to end")
    assert not folder.exists() and pid not in processes_under(spares)


def test_a_bad_idle_time_is_the_default_and_never_fails_a_scan(monkeypatch: pytest.MonkeyPatch) -> None:
    for bad in ("15m", "-1", "nan", "1e9"):
        monkeypatch.setenv("TFGEN_SCAN_SERVER_IDLE", bad)
        assert trivy_mod.spare_idle_s() == scan_mod.server.IDLE_DEFAULT_S
    monkeypatch.setenv("TFGEN_SCAN_SERVER_IDLE", "60")
    assert trivy_mod.spare_idle_s() == 60
