"""Article + a language's catalog → Edition: every segment translated or marked as a fallback."""

from __future__ import annotations

import logging

from babel.messages.catalog import Catalog

from polyedition.model import Article, Edition, LocalizedText

logger = logging.getLogger(__name__)


def usable_translation(catalog: Catalog | None, context: str, source: str) -> str | None:
    """The translation of ``source`` under ``context``, if it may be published.

    A missing, empty or fuzzy translation is not usable: the reader gets the source instead.
    """
    if catalog is None:
        return None
    message = catalog.get(source, context=context)
    if message is None or message.fuzzy or not isinstance(message.string, str):
        return None
    return message.string or None


def localize(article: Article, catalog: Catalog | None, lang: str, source_lang: str) -> Edition:
    """Resolve every segment of ``article`` for ``lang``.

    In the source language an untranslated segment is simply the source (an English catalog may
    still override a segment, e.g. a copy-edit). In any other language it is a fallback: it keeps
    the source text and says so, with the source language, for ``lang`` attributes and voices.
    """
    texts = []
    for segment in article.segments():
        translation = usable_translation(catalog, segment.id, segment.text)
        if translation is not None:
            texts.append(LocalizedText(segment, translation, lang, fallback=False))
        else:
            texts.append(
                LocalizedText(segment, segment.text, source_lang, fallback=lang != source_lang)
            )
    keywords = []
    for keyword in article.keywords:
        translation = usable_translation(catalog, keyword.id, keyword.text)
        if translation is None:
            keywords.append(
                LocalizedText(keyword, keyword.text, source_lang, fallback=lang != source_lang)
            )
        else:
            keywords.append(LocalizedText(keyword, translation, lang, fallback=False))
    credits = []
    for credit in article.credits:
        translation = usable_translation(catalog, credit.id, credit.text)
        # A name the desk keeps as it is stays in the source language, for its voice.
        if translation is None or translation == credit.text:
            credits.append(LocalizedText(credit, credit.text, source_lang, fallback=False))
        else:
            credits.append(LocalizedText(credit, translation, lang, fallback=False))
    edition = Edition(
        article=article,
        lang=lang,
        source_lang=source_lang,
        texts=tuple(texts),
        keywords=tuple(keywords),
        credits=tuple(credits),
    )
    if edition.fallbacks:
        logger.debug(
            "%s/%s: %d of %d segments fall back to %s",
            lang,
            article.slug,
            len(edition.fallbacks),
            len(texts),
            source_lang,
        )
    return edition
