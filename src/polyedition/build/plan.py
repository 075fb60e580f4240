"""Planning: the site's editions, and each job (its key, its outputs, the site it renders with)
from its format's declarations."""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import PurePosixPath
from typing import TYPE_CHECKING, Protocol

from polyedition.build.formats import Format, Id, Need, Scope, format_named
from polyedition.build.jobs import Job
from polyedition.build.keys import Sources
from polyedition.fingerprint import digest, library_versions
from polyedition.model import Edition
from polyedition.site import Site

if TYPE_CHECKING:
    from polyedition.cache import SpeechCache

logger = logging.getLogger(__name__)


class Outcomes(Protocol):
    """What a job being planned sees of the jobs it needs (the job graph, during a build)."""

    def seen(self, fmt: Format, ident: Id, *, wait: bool) -> object | None:
        """What ``fmt``'s job about ``ident`` made or will make (see ``Need.wait``); None when
        its output does not exist."""
        ...

    def key_of(self, path: PurePosixPath) -> str | None:
        """The key the file in ``output/`` was made under."""
        ...


class NoOutcomes:
    """Sees nothing of other jobs: for planning a job alone."""

    def seen(self, fmt: Format, ident: Id, *, wait: bool) -> object | None:
        return None

    def key_of(self, path: PurePosixPath) -> str | None:
        return None


@dataclass(frozen=True, slots=True)
class Planned:
    """A planned job, the site it renders with, and the files of other jobs it reads."""

    job: Job
    site: Site
    reads: tuple[PurePosixPath, ...] = field(default=())


class Planner:
    """Plans jobs from their formats' declarations: the key hashes the declared inputs, what the
    job sees of the jobs it needs, and the declared libraries' versions; nothing else."""

    def __init__(self, site: Site, scripts: SpeechCache | None = None) -> None:
        """``scripts``: where the narration scripts are kept between builds (``Sources``)."""
        self.site = site
        self.settings = site.settings
        self.sources = Sources(site, scripts)
        self._scoped: dict[tuple[bool, str, str], Site] = {}

    def needed(self, fmt: Format, ident: Id) -> list[tuple[Need, list[Id]]]:
        """For each need of ``fmt``, the jobs it covers: the needed format's jobs about the same
        article and language as ``ident``, as far as both name them."""
        return [(need, self._covered(format_named(need.format).scope, ident)) for need in fmt.needs]

    def _covered(self, scope: Scope, ident: Id) -> list[Id]:
        slug, lang = ident[:2]
        if scope is Scope.CHAPTER:  # an edition's job needs that edition's chapters
            return [(slug, lang, chapter) for chapter in self.chapters(slug, lang)]
        if slug and scope is Scope.EDITION:  # one edition's job needs that edition's
            return [ident[:2]] if ident[:2] in self.site.editions else []
        if lang and scope is Scope.LANGUAGE:
            return [("", lang)]
        return [
            (s, code)
            for s, code in self._all(scope)
            if (not slug or not s or s == slug) and (not lang or not code or code == lang)
        ]

    def plan(self, fmt: Format, ident: Id, outcomes: Outcomes | None = None) -> Planned:
        seen = outcomes or NoOutcomes()
        site = self._site(fmt.scope, ident)
        needs_key: list[object] = []
        reads: list[PurePosixPath] = []
        for need, covered in self.needed(fmt, ident):
            needed = format_named(need.format)
            found: dict[Id, object] = {}
            for other in covered:
                if (outcome := seen.seen(needed, other, wait=need.wait)) is not None:
                    found[other] = outcome
            site = needed.publish(site, found)
            files = [
                needed.outputs(other, self.settings)[i]
                for other in sorted(found)
                for i in need.reads
            ]
            reads += files
            shown = [
                [*other, found[other]] if need.wait else list(other) for other in sorted(found)
            ]
            needs_key.append([need.format, shown, [seen.key_of(path) for path in files]])
        key = digest(
            fmt.name,
            self.sources.common,
            fmt.key_parts(self.sources, ident),
            needs_key,
            library_versions(*fmt.libraries),
        )
        slug, lang, *part = ident
        job = Job(fmt.name, slug, lang, key, fmt.outputs(ident, self.settings), part="".join(part))
        return Planned(job, site, tuple(reads))

    def chapters(self, slug: str, lang: str) -> tuple[str, ...]:
        """The chapters of the edition's narration (none for an edition not in the site)."""
        if (slug, lang) not in self.site.editions:
            return ()
        return tuple(chapter for chapter, _, _ in self.sources.script(slug, lang).spans)

    def _all(self, scope: Scope) -> Iterable[Id]:
        if scope is Scope.EDITION:
            return self.site.editions
        if scope is Scope.LANGUAGE:
            return [("", lang) for lang in self.site.languages]
        return [("", "")]

    def _site(self, scope: Scope, ident: Id) -> Site:
        """The editions a job renders with: its article's (a job about one article gets only
        those, or a build's cost would grow with the square of the corpus), its language's,
        or the whole site's; a chapter's job only its own edition (it narrates nothing else,
        and is sent to a worker 10–15 times an edition); with the narration scripts of those
        editions that this build has made by then (a chapter's always), which its job then
        need not make again."""
        if scope is Scope.SITE:
            return self.site
        slug, lang = ident[:2]  # a chapter's job renders with its edition's
        scoped = (scope is Scope.CHAPTER, slug, lang)
        if scoped not in self._scoped:
            editions: Mapping[tuple[str, str], Edition] = {
                key: edition
                for key, edition in self.site.editions.items()
                if _in_scope(scope, key, slug, lang)
            }
            scripts = {
                key: script
                for key in editions
                if (script := self.sources.made_script(*key)) is not None
            }
            self._scoped[scoped] = Site(self.settings, editions, scripts=scripts)
        return self._scoped[scoped]


def _in_scope(scope: Scope, edition: tuple[str, str], slug: str, lang: str) -> bool:
    """Whether a job of ``scope`` about ``slug`` in ``lang`` renders with ``edition``."""
    if scope is Scope.CHAPTER:
        return edition == (slug, lang)
    if scope is Scope.LANGUAGE:
        return edition[1] == lang
    return edition[0] == slug
