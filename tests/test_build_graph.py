"""The job graph: formats declare what they depend on, and the keys hold exactly that."""

from __future__ import annotations

import pytest

from polyedition.build import FORMATS, REGISTRY, Planner, Scope, format_named
from polyedition.build import plan as planning
from polyedition.build.cluster import ENGINE_LIBRARIES
from polyedition.build.formats import LIBRARIES
from polyedition.errors import BuildError
from polyedition.site import Site

EDITION = ("belarus-prisoner-release", "pl")


def ident_for(name: str) -> tuple[str, str]:
    scope = format_named(name).scope
    if scope is Scope.EDITION:
        return EDITION
    return ("", EDITION[1]) if scope is Scope.LANGUAGE else ("", "")


def test_every_need_names_a_registered_format_and_no_format_waits_on_itself() -> None:
    names = {fmt.name for fmt in REGISTRY}
    assert len(names) == len(REGISTRY)
    for fmt in REGISTRY:
        for need in fmt.needs:
            assert need.format in names, f"{fmt.name} needs an unknown format {need.format}"
        assert fmt.selected_by in FORMATS

    def waits(name: str, seen: frozenset[str]) -> None:
        assert name not in seen, f"the needs of {name} wait on each other in a circle"
        for need in format_named(name).needs:
            if need.wait:
                waits(need.format, seen | {name})

    for fmt in REGISTRY:
        waits(fmt.name, frozenset())


def test_an_unknown_job_kind_is_a_build_error() -> None:
    with pytest.raises(BuildError, match="unknown job kind 'nonsense'"):
        format_named("nonsense")


def test_the_dask_worker_check_and_the_warm_workers_use_every_format_s_libraries() -> None:
    for fmt in REGISTRY:
        assert set(fmt.libraries) <= set(LIBRARIES) == set(ENGINE_LIBRARIES)


@pytest.mark.parametrize("library", ["babel", "jinja2", "markdown-it-py"])
def test_upgrading_a_text_library_changes_every_key(
    real_site: Site, library: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    planner = Planner(real_site)
    before = {fmt.name: planner.plan(fmt, ident_for(fmt.name)).job.key for fmt in REGISTRY}
    real = planning.library_versions

    def upgraded(*names: str) -> tuple[tuple[str, str], ...]:
        return tuple(
            (name, version + ".post1" if name == library else version)
            for name, version in real(*names)
        )

    monkeypatch.setattr(planning, "library_versions", upgraded)
    after = {fmt.name: planner.plan(fmt, ident_for(fmt.name)).job.key for fmt in REGISTRY}
    assert {name for name in before if before[name] != after[name]} == set(before)


def test_a_key_depends_only_on_the_libraries_its_format_declares(
    real_site: Site, monkeypatch: pytest.MonkeyPatch
) -> None:
    planner = Planner(real_site)
    before = {fmt.name: planner.plan(fmt, ident_for(fmt.name)).job.key for fmt in REGISTRY}
    real = planning.library_versions

    def upgraded(*names: str) -> tuple[tuple[str, str], ...]:
        return tuple(
            (name, version + ".post1" if name == "weasyprint" else version)
            for name, version in real(*names)
        )

    monkeypatch.setattr(planning, "library_versions", upgraded)
    after = {fmt.name: planner.plan(fmt, ident_for(fmt.name)).job.key for fmt in REGISTRY}
    assert {name for name in before if before[name] != after[name]} == {"pdf"}
