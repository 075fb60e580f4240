"""The preview server: loopback only, byte ranges for seeking in the narration, workers kept
while it watches and ended with it."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from polyedition.build import executors
from polyedition.build.executors import PreviewWorkers
from polyedition.errors import ConfigError
from polyedition.serve import REVIEW_PREFIX, is_source_change, make_server
from projectkit import copy_project, lingering, process_alive


@pytest.fixture
def base_url(tmp_path: Path):  # type: ignore[no-untyped-def]
    (tmp_path / "a.mp3").write_bytes(bytes(range(100)))
    server = make_server(tmp_path, 0)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/"
    server.shutdown()
    server.server_close()


def test_it_listens_on_loopback_only(tmp_path: Path) -> None:
    server = make_server(tmp_path, 0)
    try:
        assert server.server_address[0] == "127.0.0.1"
    finally:
        server.server_close()


def test_a_range_request_gets_206_and_just_those_bytes(base_url: str) -> None:
    request = urllib.request.Request(base_url + "a.mp3", headers={"Range": "bytes=10-19"})
    with urllib.request.urlopen(request, timeout=10) as response:
        assert response.status == 206
        assert response.headers["Content-Range"] == "bytes 10-19/100"
        assert response.read() == bytes(range(10, 20))


def test_a_whole_file_request_advertises_ranges(base_url: str) -> None:
    with urllib.request.urlopen(base_url + "a.mp3", timeout=10) as response:
        assert response.headers["Accept-Ranges"] == "bytes"
        assert len(response.read()) == 100


def test_an_unsatisfiable_range_is_416(base_url: str) -> None:
    request = urllib.request.Request(base_url + "a.mp3", headers={"Range": "bytes=500-"})
    with pytest.raises(urllib.error.HTTPError) as caught:
        urllib.request.urlopen(request, timeout=10)
    assert caught.value.code == 416
    caught.value.close()


def test_review_pages_are_served_under_their_own_prefix_and_nothing_else_of_the_cache(
    tmp_path: Path,
) -> None:
    output, review = tmp_path / "output", tmp_path / ".cache" / "review"
    output.mkdir()
    review.mkdir(parents=True)
    (review / "be.html").write_text("review", encoding="utf-8")
    (tmp_path / ".cache" / "secret.txt").write_text("no", encoding="utf-8")
    server = make_server(output, 0, review_dir=review)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    base = f"http://127.0.0.1:{server.server_address[1]}"
    try:
        with urllib.request.urlopen(base + REVIEW_PREFIX + "be.html", timeout=10) as response:
            assert response.read() == b"review"
        for escape in ("../secret.txt", "%2e%2e/secret.txt"):
            with pytest.raises(urllib.error.HTTPError) as caught:
                urllib.request.urlopen(base + REVIEW_PREFIX + escape, timeout=10)
            assert caught.value.code == 404
            caught.value.close()
    finally:
        server.shutdown()
        server.server_close()


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        ("locales/pl/LC_MESSAGES/ui.po", True),
        ("content/x/article.md", True),
        ("templates/assets/site.css", True),
        ("locales/pl/LC_MESSAGES/ui.mo", False),
        ("output/.index.html.abc.tmp", False),
    ],
)
def test_only_saved_sources_trigger_a_rebuild(path: str, expected: bool) -> None:
    assert is_source_change(path) is expected


def _status(url: str, headers: dict[str, str] | None = None) -> int:
    request = urllib.request.Request(url, headers=headers or {})
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return int(response.status)
    except urllib.error.HTTPError as error:
        return error.code


def test_a_range_with_a_5000_digit_number_is_answered_with_the_whole_file(base_url: str) -> None:
    assert _status(base_url + "a.mp3", {"Range": "bytes=" + "9" * 5000 + "-"}) == 200


def test_a_nul_byte_in_the_path_is_404(base_url: str) -> None:
    assert _status(base_url + "a.mp3%00.html") == 404


def test_a_symlink_in_output_leading_elsewhere_is_not_served(
    base_url: str, tmp_path: Path, tmp_path_factory: pytest.TempPathFactory
) -> None:
    secret = tmp_path_factory.mktemp("elsewhere") / "secret.txt"
    secret.write_text("secret", encoding="utf-8")
    (tmp_path / "secret.txt").symlink_to(secret)
    (tmp_path / "b.mp3").symlink_to(tmp_path / "a.mp3")  # a link inside output/ is fine
    assert _status(base_url + "secret.txt") == 404
    assert _status(base_url + "secret.txt", {"Range": "bytes=0-1"}) == 404
    assert _status(base_url + "b.mp3") == 200


@pytest.mark.parametrize("port", [70000, -1])
def test_an_invalid_port_is_a_one_line_error(tmp_path: Path, port: int) -> None:
    with pytest.raises(ConfigError, match=f"cannot serve on 127.0.0.1:{port}"):
        make_server(tmp_path, port)


def test_a_busy_port_is_a_one_line_error(tmp_path: Path) -> None:
    first = make_server(tmp_path, 0)
    try:
        with pytest.raises(ConfigError, match="Address already in use"):
            make_server(tmp_path, first.server_address[1])
    finally:
        first.server_close()


@pytest.mark.slow
@pytest.mark.parametrize(
    ("changed", "said"),
    [
        ("weasyprint", "weasyprint {old} loaded, {old}.post1 installed"),
        ("polyedition", "other polyedition code"),
    ],
)
def test_the_preview_workers_refuse_a_changed_version_and_start_new_ones(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture, changed: str, said: str
) -> None:
    """WeasyPrint upgraded (or polyedition changed) while the server runs: workers forked from
    what was loaded before would make other bytes under the new version's keys, so the next
    rebuild runs on workers of a new forkserver, and the server says why in one line."""
    workers = PreviewWorkers(2)
    try:
        workers.start()
        first = workers.forkserver_pid
        with workers.pool() as pool:
            assert pool.submit(os.getppid).result(timeout=300) == first
        code, libraries = executors.installed_versions()
        old = dict(libraries)["weasyprint"]
        if changed == "weasyprint":
            libraries = tuple((n, v + ".post1" if n == changed else v) for n, v in libraries)
        else:
            code = "another version"
        monkeypatch.setattr(executors, "installed_versions", lambda: (code, libraries))
        with caplog.at_level("INFO", logger="polyedition"), workers.pool() as pool:
            parent = pool.submit(os.getppid).result(timeout=300)
        assert parent == workers.forkserver_pid != first
        assert not process_alive(first)
        [line] = [record.getMessage() for record in caplog.records]
        assert line == f"{said.format(old=old)}: starting new workers for the new version"
        caplog.clear()
        with caplog.at_level("INFO", logger="polyedition"), workers.pool() as pool:
            assert pool.submit(os.getppid).result(timeout=300) == parent  # kept from now on
        assert caplog.records == []
    finally:
        workers.close()


SERVE = [sys.executable, "-m", "polyedition", "--project"]


@pytest.mark.slow
def test_the_workers_of_serve_watch_end_with_it_even_on_kill_9(tmp_path: Path) -> None:
    copy_project(tmp_path, warm_speech=True)
    mark = f"POLYEDITION_TEST_RUN={tmp_path}"
    server = subprocess.Popen(
        [*SERVE, str(tmp_path), "serve", "--watch", "--port", "0", "--lang", "pl", "--jobs", "2"],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
        env=dict(os.environ, POLYEDITION_TEST_RUN=str(tmp_path)),
    )
    try:
        assert server.stdout is not None
        for line in server.stdout:
            if line.startswith("Watching"):
                break
        kept = [entry for entry in lingering(mark, tmp_path) if "forkserver" in entry]
        assert kept, "serve --watch keeps a forkserver while it runs"
    finally:
        server.kill()
        server.communicate()
    deadline = time.monotonic() + 30
    while (left := lingering(mark, tmp_path)) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert left == []
