"""Podcast feeds: a language's narrations as RSS 2.0 with iTunes and Podcasting 2.0 tags, and
its cover."""

from __future__ import annotations

from polyedition.render.feed.cover import render_cover
from polyedition.render.feed.rss import render_feed

__all__ = ["render_cover", "render_feed"]
