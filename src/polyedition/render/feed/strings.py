"""The words of a language's feed and cover, from the ``ui`` catalog (``templates/feed/``)."""

from __future__ import annotations

import logging
from dataclasses import dataclass

from polyedition.site import Site

logger = logging.getLogger(__name__)

STRINGS_TEMPLATE = "feed/channel.txt"


@dataclass(frozen=True, slots=True)
class FeedStrings:
    publisher: str
    title: str
    description: str
    listen: str
    autonym: str


def feed_strings(site: Site, lang: str) -> FeedStrings:
    """The channel's title and description and the cover's lines, in ``lang``."""
    module = site.theme.module(lang, STRINGS_TEMPLATE)
    return FeedStrings(
        publisher=site.name,
        title=str(module.title),
        description=str(module.description),
        listen=str(module.listen),
        autonym=site.profile(lang).autonym,
    )
