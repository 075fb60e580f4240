"""The ``check`` command: every catalog of the languages asked, the glossary's spoken names and
the desk's speech fixes, each finding ``path:line: [check] message`` (the checks: ``checks``)."""

from __future__ import annotations

import logging
from collections.abc import Iterable

from polyedition.catalogs import domains, header_line, header_problems, po_path
from polyedition.checks import Finding, check_catalog, unspoken_names
from polyedition.config import Settings
from polyedition.errors import CatalogError
from polyedition.glossary import GLOSSARY_FILE, load_glossary
from polyedition.pofile import header_fields, read_catalog
from polyedition.render.audio.narrate import spoken_script
from polyedition.site import Site, load_editions
from polyedition.speech.fixes import Fix, load_fixes

logger = logging.getLogger(__name__)


def run_checks(settings: Settings, langs: Iterable[str]) -> list[Finding]:
    """Check every catalog of the given languages; a file that cannot be parsed is one finding."""
    glossary = load_glossary(settings.locales_dir, settings.source_language)
    findings: list[Finding] = []
    for lang in langs:
        settings.require_language(lang)
        findings.extend(unspoken_names(settings.locales_dir / GLOSSARY_FILE, glossary, lang))
        for domain in domains(settings):
            path = po_path(settings, lang, domain)
            if not path.exists():
                findings.append(
                    Finding(
                        path, 1, "missing", f"no {domain} catalog: run 'polyedition init {lang}'"
                    )
                )
                continue
            try:
                fields = header_fields(path)
            except UnicodeDecodeError:
                fields = None  # read_catalog reports the encoding, with its byte offset
            if fields is not None:
                findings.extend(
                    Finding(path, header_line(path, problem.split()[0]), "header", problem)
                    for problem in header_problems(fields, lang)
                )
            try:
                catalog = read_catalog(path, locale=lang, domain=domain)
            except CatalogError as error:
                findings.append(Finding(path, error.line or 1, "syntax", error.message))
                continue
            findings.extend(check_catalog(path, catalog, lang, settings.source_language, glossary))
        findings.extend(speech_fix_findings(settings, lang))
    return sorted(findings)


def speech_fix_findings(settings: Settings, lang: str) -> list[Finding]:
    """The desk's one-occurrence speech fixes of ``lang`` whose segment no longer has the
    word that many times (the narration is read as ``polyedition script`` prints it)."""
    fixes = load_fixes(settings.locales_dir, lang)
    if not fixes.fixes or fixes.path is None:
        return []
    editions = load_editions(settings, [lang])
    site = Site(settings, {(edition.slug, edition.lang): edition for edition in editions})
    found: set[Fix] = set()
    for edition in editions:
        for utterance, spoken in spoken_script(site, edition):
            if utterance.lang == lang:
                found.update(spoken.fixes)
    return [
        Finding(
            fixes.path,
            fix.line,
            "speech-fix",
            f"segment {fix.segment!r} has no occurrence {fix.occurrence} of {fix.word!r} "
            "in its narration any more: correct the fix or delete its line "
            f"(see 'polyedition script --lang {lang}')",
        )
        for fix in fixes.fixes
        if fix not in found
    ]
