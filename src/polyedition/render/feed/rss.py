"""A language's podcast feed: RSS 2.0 with the iTunes and Podcasting 2.0 namespaces (feedgen).

feedgen writes RSS 2.0, its ``podcast`` extension the iTunes tags. The Podcasting 2.0 tags
(``podcast:guid``, ``podcast:locked``, ``podcast:transcript``, ``podcast:chapters``) come from the
small extension below, registered with feedgen like its own. Two things feedgen cannot do, done
there too: ``itunes:explicit`` "false" (feedgen accepts only the deprecated yes/no/clean), and a
fixed ``lastBuildDate`` is set explicitly (feedgen defaults to the clock): same inputs, same bytes.
"""

from __future__ import annotations

import datetime as dt
import html
import logging
import uuid
from typing import Any

from polyedition import __version__
from polyedition.model import Edition
from polyedition.render.feed.strings import feed_strings
from polyedition.render.inline import plain_text
from polyedition.site import (
    CHAPTERS_MIME_TYPE,
    AudioInfo,
    Site,
    cover_path,
    feed_path,
    html_path,
)

logger = logging.getLogger(__name__)

PODCAST_NS = "https://podcastindex.org/namespace/1.0"
ITUNES_NS = "http://www.itunes.com/dtds/podcast-1.0.dtd"
PODCAST_GUID_NAMESPACE = uuid.UUID("ead4c236-bf58-58c6-a2c6-a6b28d128cb6")
"""The UUIDv5 namespace of ``podcast:guid`` (Podcasting 2.0, ``docs/1.0.md#guid``)."""
ITUNES_CATEGORY = "News"
"""Apple's category names are English identifiers in every language."""
EXTENSION = "podcastindex"
"""feedgen's attribute for the Podcasting 2.0 extension (``podcast`` is its iTunes one)."""


def podcast_guid(feed_url: str) -> str:
    """The feed's ``podcast:guid``: UUIDv5 of its URL without scheme and trailing slashes.

    >>> podcast_guid("https://mp3s.nashownotes.com/pc20rss.xml")
    '917393e3-1b1e-5cef-ace4-edaa54e1f810'
    """
    address = feed_url.split("://", 1)[-1].rstrip("/")
    return str(uuid.uuid5(PODCAST_GUID_NAMESPACE, address))


def itunes_duration(seconds: float) -> str:
    """``H:MM:SS``, the form every podcast app reads.

    >>> itunes_duration(976.4), itunes_duration(3725)
    ('0:16:16', '1:02:05')
    """
    hours, rest = divmod(round(seconds), 3600)
    minutes, whole = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{whole:02d}"


def _xml_elem(name: str, parent: Any, **attributes: str) -> Any:
    from feedgen.util import xml_elem

    element = xml_elem(name, parent)
    for key, value in attributes.items():
        element.set(key, value)
    return element


class PodcastIndexExtension:
    """Channel tags of the Podcasting 2.0 namespace, and ``itunes:explicit`` as "false"."""

    def __init__(self) -> None:
        self.guid: str | None = None
        self.locked: bool | None = None
        self.explicit: bool | None = None

    def extend_ns(self) -> dict[str, str]:
        return {"podcast": PODCAST_NS, "itunes": ITUNES_NS}

    def extend_rss(self, feed: Any) -> Any:
        channel = feed[0]
        if self.explicit is not None:
            _xml_elem(f"{{{ITUNES_NS}}}explicit", channel).text = str(self.explicit).lower()
        if self.guid is not None:
            _xml_elem(f"{{{PODCAST_NS}}}guid", channel).text = self.guid
        if self.locked is not None:
            _xml_elem(f"{{{PODCAST_NS}}}locked", channel).text = "yes" if self.locked else "no"
        return feed

    def extend_atom(self, feed: Any) -> Any:
        return feed


class PodcastIndexEntryExtension:
    """Item tags of the Podcasting 2.0 namespace: the transcript and the chapters."""

    def __init__(self) -> None:
        self.transcripts: list[dict[str, str]] = []
        self.chapters: dict[str, str] | None = None

    def extend_ns(self) -> dict[str, str]:
        return {"podcast": PODCAST_NS}

    def transcript(self, url: str, mime_type: str, language: str) -> None:
        self.transcripts.append({"url": url, "type": mime_type, "language": language})

    def extend_rss(self, item: Any) -> Any:
        for transcript in self.transcripts:
            _xml_elem(f"{{{PODCAST_NS}}}transcript", item, **transcript)
        if self.chapters is not None:
            _xml_elem(f"{{{PODCAST_NS}}}chapters", item, **self.chapters)
        return item

    def extend_atom(self, entry: Any) -> Any:
        return entry


def _as_html(text: str) -> str:
    """Plain text for an RSS ``<description>``, which feed readers take as HTML: a
    translator's ``<img onerror=…>`` must reach them as text, so it is escaped as HTML here
    (and once more as XML by the writer).

    >>> _as_html("Fish & chips <img src=x onerror=alert(1)>")
    'Fish &amp; chips &lt;img src=x onerror=alert(1)&gt;'
    """
    return html.escape(text, quote=False)


def _published(date: dt.date) -> dt.datetime:
    return dt.datetime(date.year, date.month, date.day, tzinfo=dt.UTC)


def render_feed(site: Site, lang: str) -> bytes:
    """``<lang>/feed.xml``: one item per narrated article, newest first; writes nothing."""
    from feedgen.feed import FeedGenerator

    strings = feed_strings(site, lang)
    feed_url = site.url(feed_path(lang))
    episodes = sorted(
        (
            (edition, audio)
            for (slug, code), audio in site.audio.items()
            if code == lang and (edition := site.editions.get((slug, code))) is not None
        ),
        key=lambda pair: (pair[0].article.meta.date, pair[0].slug),
        reverse=True,
    )
    newest = _published(episodes[0][0].article.meta.date) if episodes else None

    feed: Any = FeedGenerator()
    feed.load_extension("podcast")
    feed.register_extension(EXTENSION, PodcastIndexExtension, PodcastIndexEntryExtension)
    feed.title(strings.title)
    feed.description(_as_html(strings.description))
    feed.language(lang)
    # feedgen writes the last link as the RSS <link>: the edition's front page.
    feed.link(href=feed_url, rel="self")
    feed.link(href=site.url(f"{lang}/index.html"), rel="alternate")
    cover = site.url(cover_path(lang))
    feed.image(url=cover, title=strings.title, link=site.url(f"{lang}/index.html"))
    feed.generator("polyedition", __version__)
    if newest is not None:
        feed.pubDate(newest)
        feed.lastBuildDate(newest)
    feed.podcast.itunes_author(strings.publisher)
    feed.podcast.itunes_image(cover)
    feed.podcast.itunes_category(ITUNES_CATEGORY)
    feed.podcast.itunes_type("episodic")
    extension: PodcastIndexExtension = getattr(feed, EXTENSION)
    extension.guid = podcast_guid(feed_url)
    extension.locked = False
    extension.explicit = False
    for edition, audio in episodes:
        _episode(site, feed.add_entry(order="append"), edition, audio)
    data: bytes = feed.rss_str(pretty=True, encoding="UTF-8", xml_declaration=True)
    return data


def _episode(site: Site, entry: Any, edition: Edition, audio: AudioInfo) -> None:
    page = site.url(html_path(edition.lang, edition.slug))
    entry.title(plain_text(edition.title.text))
    entry.description(_as_html(plain_text(edition.description.text)))
    entry.link(href=page)
    entry.guid(page, permalink=True)
    entry.pubDate(_published(edition.article.meta.date))
    entry.enclosure(site.url(audio.mp3), str(audio.size_bytes), "audio/mpeg")
    for keyword in edition.keywords:
        entry.category(term=keyword.text)
    entry.podcast.itunes_duration(itunes_duration(audio.duration_seconds))
    entry.podcast.itunes_episode_type("full")
    podcast: PodcastIndexEntryExtension = getattr(entry, EXTENSION)
    podcast.transcript(site.url(audio.captions), "text/vtt", edition.lang)
    podcast.chapters = {"url": site.url(audio.chapters_json), "type": CHAPTERS_MIME_TYPE}
