"""Nothing is read, written or deleted outside the project, whatever a setting, a manifest or a
symlink says; a careless setting never costs a file."""

from __future__ import annotations

import errno
import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from polyedition.build.clean import clean_output
from polyedition.build.manifest import MANIFEST, Manifest
from polyedition.config import load_settings
from polyedition.errors import ConfigError
from polyedition.theme import theme_templates
from polyedition.theme.assets import asset_paths
from polyedition.theme.templating import render_template
from projectkit import SLUG, copy_project, process_alive, run_polyedition


def _settings_with(tmp_path: Path, line: str) -> Path:
    copy_project(tmp_path)
    pyproject = tmp_path / "pyproject.toml"
    text = pyproject.read_text(encoding="utf-8")
    pyproject.write_text(
        text.replace("[tool.polyedition]\n", f"[tool.polyedition]\n{line}\n", 1), encoding="utf-8"
    )
    return pyproject


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ('output-dir = "."', "output-dir is the project folder itself"),
        ('output-dir = ""', "output-dir must be a folder path"),
        ('cache-dir = "."', "cache-dir is the project folder itself"),
        ('output-dir = ".."', "outside the project"),
        ('output-dir = "/"', "outside the project"),
        ('cache-dir = "/tmp"', "outside the project"),
        ('content-dir = "/etc"', "outside the project"),
        ('output-dir = "content"', "overlaps content-dir"),
        ('output-dir = "locales/site"', "overlaps locales-dir"),
        ('cache-dir = "output/cache"', "overlaps output-dir"),
        ('output-dir = "site"\ncache-dir = "site"', "overlaps"),
    ],
)
def test_a_folder_setting_that_could_reach_the_project_or_beyond_is_refused_with_its_line(
    tmp_path: Path, line: str, message: str
) -> None:
    pyproject = _settings_with(tmp_path, line)
    with pytest.raises(ConfigError, match=message) as caught:
        load_settings(tmp_path)
    assert caught.value.path == pyproject
    lines = pyproject.read_text(encoding="utf-8").splitlines()
    assert caught.value.line == lines.index(line.splitlines()[0]) + 1


def test_an_output_folder_that_holds_a_project_is_refused(tmp_path: Path) -> None:
    _settings_with(tmp_path, 'output-dir = "site"')
    (tmp_path / "site" / ".git").mkdir(parents=True)
    with pytest.raises(ConfigError, match=r"holds \.git"):
        load_settings(tmp_path)


def test_an_output_folder_that_is_a_symlink_out_of_the_project_is_refused(
    tmp_path: Path,
) -> None:
    project, elsewhere = tmp_path / "site", tmp_path / "elsewhere"
    project.mkdir()
    elsewhere.mkdir()
    _settings_with(project, "")
    (project / "output").symlink_to(elsewhere)
    with pytest.raises(ConfigError, match="outside the project"):
        load_settings(project)


def test_clean_with_output_dir_dot_refuses_and_deletes_nothing(tmp_path: Path) -> None:
    _settings_with(tmp_path, 'output-dir = "."')
    before = sorted(p.relative_to(tmp_path) for p in tmp_path.rglob("*"))
    for command in (["clean", "--output"], ["build", "--clean", "--format", "html"]):
        result = run_polyedition(tmp_path, *command)
        assert result.returncode == 2, result.stderr
        assert "output-dir is the project folder itself" in result.stderr
        assert "Traceback" not in result.stderr
        assert result.stderr.count("\n") == 1
    assert sorted(p.relative_to(tmp_path) for p in tmp_path.rglob("*")) == before


def test_clean_removes_what_builds_wrote_and_keeps_what_a_person_put_in_output(
    tmp_path: Path,
) -> None:
    settings = copy_project(tmp_path)
    output = settings.output_dir
    (output / "en" / SLUG).mkdir(parents=True)
    (output / "en" / SLUG / "index.html").write_text("page", encoding="utf-8")
    (output / "assets").mkdir()
    (output / "index.html").write_text("home", encoding="utf-8")
    (output / "README.md").write_text("notes", encoding="utf-8")
    (output / "CNAME").write_text("news.example.org", encoding="utf-8")
    outside = tmp_path / "keep-me"
    outside.mkdir()
    (outside / "precious.txt").write_text("mine", encoding="utf-8")
    (output / "pl").symlink_to(outside)

    kept = clean_output(settings)

    assert kept == [output / "CNAME"]
    assert sorted(p.name for p in output.iterdir()) == ["CNAME", "README.md"]
    assert (outside / "precious.txt").read_text(encoding="utf-8") == "mine"


@pytest.mark.parametrize(
    "entry", ["../../victim.txt", "/ABSOLUTE/victim.txt", "en/../../victim.txt", "pl/victim.txt"]
)
def test_a_doctored_manifest_never_deletes_a_file_outside_output(
    tmp_path: Path, entry: str
) -> None:
    settings = copy_project(tmp_path / "site")
    victim = tmp_path / "victim.txt"
    victim.write_text("do not delete", encoding="utf-8")
    settings.output_dir.mkdir()
    (settings.output_dir / "pl").symlink_to(tmp_path)  # output/pl/victim.txt is the victim
    entry = entry.replace("/ABSOLUTE", str(tmp_path))
    manifest_path = settings.cache_dir / MANIFEST
    manifest_path.parent.mkdir(parents=True)
    manifest_path.write_text(
        json.dumps(
            {
                "version": 2,
                "outputs": {entry: {"key": "x", "size": 13, "job": "en/x html"}},
                "audio": {},
                "pdf": {},
            }
        ),
        encoding="utf-8",
    )
    manifest = Manifest(manifest_path)
    manifest.prune([], settings.output_dir, everything=True)
    clean_output(settings)
    assert victim.read_text(encoding="utf-8") == "do not delete"
    assert entry not in manifest.outputs


def test_a_manifest_whose_entries_are_not_tables_is_read_as_empty(tmp_path: Path) -> None:
    path = tmp_path / MANIFEST
    path.write_text(
        json.dumps({"version": 2, "outputs": {"a": 1}, "audio": {}, "pdf": {}}), encoding="utf-8"
    )
    assert Manifest(path).outputs == {}


def test_a_template_override_linked_to_a_file_outside_the_project_is_refused(
    tmp_path: Path,
) -> None:
    settings = copy_project(tmp_path / "site")
    secret = tmp_path / "secret.txt"
    secret.write_text("root:x:0:0", encoding="utf-8")
    settings.templates_dir.mkdir()
    (settings.templates_dir / "base.html").symlink_to(secret)
    with pytest.raises(Exception, match="outside the templates folder") as caught:
        render_template(settings.templates_dir, "base.html", {})
    assert "root:x" not in str(caught.value)


def test_an_asset_override_linked_outside_the_project_is_refused(tmp_path: Path) -> None:
    settings = copy_project(tmp_path / "site")
    outside = tmp_path / "outside.css"
    outside.write_text("body{}", encoding="utf-8")
    (settings.templates_dir / "assets").mkdir(parents=True)
    (settings.templates_dir / "assets" / "site.css").symlink_to(outside)
    with pytest.raises(Exception, match="outside the templates folder"):
        asset_paths(settings)


def test_a_project_in_a_hidden_folder_publishes_its_own_assets(tmp_path: Path) -> None:
    settings = copy_project(tmp_path / ".newsroom" / "site")
    (settings.templates_dir / "assets").mkdir(parents=True)
    (settings.templates_dir / "assets" / "logo.svg").write_text("<svg/>", encoding="utf-8")
    (settings.templates_dir / "assets" / ".logo.svg.swp").write_text("x", encoding="utf-8")
    paths = asset_paths(settings)
    assert "logo.svg" in paths
    assert ".logo.svg.swp" not in paths


def test_the_theme_installed_under_a_hidden_folder_still_has_its_assets(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Like a wheel installed into ``.venv`` or ``~/.local``: the theme's path has dotted parts."""
    from polyedition import theme

    dotted = tmp_path / ".venv" / "lib" / "site-packages" / "polyedition" / "theme"
    shutil.copytree(theme_templates(), dotted / "templates")
    settings = copy_project(tmp_path / "site")
    monkeypatch.setattr(theme, "theme_dir", lambda: dotted)
    assert theme.theme_templates() == dotted / "templates"
    paths = asset_paths(settings)
    assert {"icon.svg", "site.css", "player.js"} <= paths.keys()


def _descendants(pid: int) -> set[int]:
    children: dict[int, list[int]] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        children.setdefault(int(fields[1]), []).append(int(stat.parent.name))
    found: set[int] = set()
    todo = [pid]
    while todo:
        for child in children.get(todo.pop(), []):
            found.add(child)
            todo.append(child)
    return found


@pytest.mark.slow
def test_kill_9_of_a_build_leaves_no_worker_running(tmp_path: Path) -> None:
    copy_project(tmp_path)
    build = subprocess.Popen(
        [sys.executable, "-m", "polyedition", "--project", str(tmp_path), "build"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 60
        workers: set[int] = set()
        while len(workers) < 3 and time.monotonic() < deadline:  # forkserver + 2 workers
            time.sleep(0.2)
            workers = _descendants(build.pid)
        assert len(workers) >= 3, "the build started no pool"
    finally:
        build.kill()
        build.wait()
    deadline = time.monotonic() + 30
    while any(process_alive(pid) for pid in workers) and time.monotonic() < deadline:
        time.sleep(0.2)
    left = [pid for pid in workers if process_alive(pid)]
    for pid in left:
        os.kill(pid, signal.SIGKILL)
    assert not left, f"{len(left)} worker process(es) outlived the killed build"


@pytest.mark.slow
def test_a_full_disk_fails_the_output_it_hit_with_its_path_and_the_rest_is_built(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from polyedition.build import BuildOptions, build
    from polyedition.build import jobs as build_jobs
    from polyedition.fsutil import write_if_changed

    settings = copy_project(tmp_path)

    def full_disk(path: Path, data: bytes) -> bool:
        if path.suffix == ".pdf":
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), str(path))
        return write_if_changed(path, data)

    monkeypatch.setattr(build_jobs, "write_if_changed", full_disk)
    options = BuildOptions(languages=("pl",), formats=("html", "pdf"), jobs=1)
    report = build(settings, options)
    pdf = settings.output_dir / "pl" / SLUG / f"{SLUG}.pl.pdf"
    [failure] = report.failures
    assert failure.job.kind == "pdf"
    assert failure.message == (
        f"build: {pdf}: cannot write: No space left on device (free disk space or fix the "
        "folder's permissions, then build again)"
    )
    assert (settings.output_dir / "pl" / SLUG / "index.html").is_file()
    assert not pdf.exists()


@pytest.mark.slow
def test_an_output_language_folder_linked_elsewhere_is_not_written_through(
    tmp_path: Path,
) -> None:
    from polyedition.build import BuildOptions, build

    settings = copy_project(tmp_path / "site")
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    settings.output_dir.mkdir()
    (settings.output_dir / "pl").symlink_to(elsewhere)
    options = BuildOptions(languages=("pl", "en"), formats=("html",), jobs=1)
    report = build(settings, options)
    assert report.failures
    assert all("symlink" in failure.message for failure in report.failures)
    assert list(elsewhere.iterdir()) == []
    assert (settings.output_dir / "en" / SLUG / "index.html").is_file()


def test_kill_9_of_a_build_while_its_forkserver_imports_leaves_nothing_running(
    tmp_path: Path,
) -> None:
    """The forkserver starts with the build and imports the renderers while the build plans;
    it leaves with the build then too, not once its imports are done."""
    copy_project(tmp_path)
    build = subprocess.Popen(
        [sys.executable, "-m", "polyedition", "--project", str(tmp_path), "build"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    started: set[int] = set()
    try:
        deadline = time.monotonic() + 60
        while not started and time.monotonic() < deadline:
            time.sleep(0.02)
            started = {pid for pid in _descendants(build.pid) if _is_forkserver(pid)}
        assert started, "the build started no forkserver"
    finally:
        build.kill()
        build.wait()
    # It leaves before it imports WeasyPrint (which it had not reached when the build died).
    imported = False
    deadline = time.monotonic() + 10
    while any(process_alive(pid) for pid in started) and time.monotonic() < deadline:
        imported = imported or any("libpango" in _libraries(pid) for pid in started)
        time.sleep(0.01)
    left = [pid for pid in started if process_alive(pid)]
    for pid in left:
        os.kill(pid, signal.SIGKILL)
    assert not left, "the forkserver outlived the killed build"
    assert not imported, "the forkserver went on importing once the build was killed"


def _libraries(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/maps").read_text()
    except OSError:
        return ""


def _is_forkserver(pid: int) -> bool:
    try:
        return b"multiprocessing.forkserver" in Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return False
