"""schema.org JSON-LD for an edition: NewsArticle, its translations, speakable parts and audio."""

from __future__ import annotations

import json
import logging
from typing import Any

from markupsafe import Markup

from polyedition.model import Article, Edition, Paragraph
from polyedition.render.inline import plain_text
from polyedition.site import AudioInfo, Site, html_path

logger = logging.getLogger(__name__)

SUMMARY_SECTION_ID = "summary"
"""The section whose paragraphs are marked speakable, with the headline and description."""

_SCRIPT_SAFE = str.maketrans({"<": "\\u003c", ">": "\\u003e", "&": "\\u0026"})


def iso_duration(seconds: float) -> str:
    """An ISO 8601 duration in whole seconds, as schema.org ``duration`` expects.

    >>> iso_duration(552.4), iso_duration(3600), iso_duration(0.2)
    ('PT9M12S', 'PT1H', 'PT0S')
    """
    total = round(seconds)
    hours, rest = divmod(total, 3600)
    minutes, secs = divmod(rest, 60)
    parts = [f"{hours}H" if hours else "", f"{minutes}M" if minutes else ""]
    parts.append(f"{secs}S" if secs or not (hours or minutes) else "")
    return "PT" + "".join(parts)


def script_json(data: Any) -> Markup:
    """JSON for a ``<script type="application/ld+json">`` element.

    ``<``, ``>`` and ``&`` only occur inside JSON strings, where their ``\\u`` escapes mean the
    same; escaped, no text can close the script element or open a comment.

    >>> str(script_json({"headline": "</script><b>&"}))
    '{"headline": "\\\\u003c/script\\\\u003e\\\\u003cb\\\\u003e\\\\u0026"}'
    """
    return Markup(json.dumps(data, ensure_ascii=False).translate(_SCRIPT_SAFE))


def speakable_selectors(article: Article) -> list[str]:
    """CSS selectors of the parts a voice assistant should read: headline, standfirst, summary."""
    selectors = [f"#{article.title.id}", f"#{article.description.id}"]
    for section in article.sections:
        if section.id == SUMMARY_SECTION_ID:
            selectors.extend(
                f"#{block.segment.id}" for block in section.blocks if isinstance(block, Paragraph)
            )
    return selectors


def _edition_url(site: Site, edition: Edition) -> str:
    return site.url(html_path(edition.lang, edition.slug))


def _reference(site: Site, edition: Edition) -> dict[str, Any]:
    url = _edition_url(site, edition)
    return {"@type": "NewsArticle", "@id": f"{url}#article", "url": url, "inLanguage": edition.lang}


def audio_object(site: Site, edition: Edition, audio: AudioInfo) -> dict[str, Any]:
    """The narration as a schema.org AudioObject, with its captions track."""
    return {
        "@type": "AudioObject",
        "name": plain_text(edition.title.text),
        "contentUrl": site.url(audio.mp3),
        "encodingFormat": "audio/mpeg",
        "duration": iso_duration(audio.duration_seconds),
        "inLanguage": edition.lang,
        "caption": {
            "@type": "MediaObject",
            "contentUrl": site.url(audio.captions),
            "encodingFormat": "text/vtt",
            "inLanguage": edition.lang,
        },
    }


def news_article(site: Site, edition: Edition) -> dict[str, Any]:
    """The NewsArticle of one edition, linked to the original or to its translations."""
    article = edition.article
    url = _edition_url(site, edition)
    data: dict[str, Any] = {
        "@context": "https://schema.org",
        "@type": "NewsArticle",
        "@id": f"{url}#article",
        "url": url,
        "mainEntityOfPage": url,
        "inLanguage": edition.lang,
        "headline": plain_text(edition.title.text),
        "description": plain_text(edition.description.text),
        "datePublished": article.meta.date.isoformat(),
        "author": {"@type": "Organization", "name": article.meta.author},
        "publisher": {
            "@type": "Organization",
            "name": article.meta.publisher,
            "url": site.settings.base_url,
        },
        "keywords": [keyword.text for keyword in edition.keywords],
        "wordCount": edition.word_count,
        "isAccessibleForFree": True,
        "speakable": {
            "@type": "SpeakableSpecification",
            "cssSelector": speakable_selectors(article),
        },
    }
    others = [other for other in site.translations_of(edition.slug) if other.lang != edition.lang]
    if edition.lang == edition.source_lang:
        if others:
            data["workTranslation"] = [_reference(site, other) for other in others]
    else:
        original = [other for other in others if other.lang == edition.source_lang]
        if original:
            data["translationOfWork"] = _reference(site, original[0])
    audio = site.audio.get((edition.slug, edition.lang))
    if audio is not None:
        data["audio"] = audio_object(site, edition, audio)
    return data
