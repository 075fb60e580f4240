"""The review as a page a desk opens from disk (inline CSS and JS, no server) and as JSON."""

from __future__ import annotations

import json
import logging
from functools import cache
from pathlib import Path
from typing import Any

import jinja2
from markupsafe import Markup

from polyedition.review.collect import relative_url
from polyedition.review.model import Filter, Review, Row
from polyedition.site import mp3_path

logger = logging.getLogger(__name__)

_HERE = Path(__file__).parent
FILTER_LABELS = {
    Filter.FUZZY: "fuzzy",
    Filter.UNTRANSLATED: "untranslated",
    Filter.FINDINGS: "with check findings",
    Filter.SPOKEN: "spoken differently from written",
    Filter.CHANGED: "changed since",
}


def clock(seconds: float) -> str:
    """A time in the MP3 as a listener reads it.

    >>> clock(79.849), clock(3725.04)
    ('1:19.8', '62:05.0')
    """
    minutes, rest = divmod(round(seconds, 1), 60)
    return f"{int(minutes)}:{rest:04.1f}"


@cache
def _environment() -> jinja2.Environment:
    environment = jinja2.Environment(
        loader=jinja2.FileSystemLoader(_HERE),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    environment.filters["clock"] = clock
    return environment


def review_html(review: Review, page: Path) -> str:
    """The review page, to be written at ``page`` (links to the MP3s are relative to it; when
    ``serve`` shows it under ``/_review/``, its script points them at the served ones)."""
    counts = {
        kind: sum(row.matches(kind) for article in review.articles for row in article.rows)
        for kind in Filter
    }
    filters = [
        (kind, FILTER_LABELS[kind] + (f" {review.since}" if kind is Filter.CHANGED else ""))
        for kind in Filter
        if kind is not Filter.CHANGED or review.since
    ]
    return (
        _environment()
        .get_template("page.html")
        .render(
            review=review,
            filters=filters,
            counts=counts,
            total=sum(len(article.rows) for article in review.articles),
            mp3_url={
                article.slug: relative_url(article.mp3, page.parent) if article.mp3 else ""
                for article in review.articles
            },
            served_url={
                article.slug: f"../{mp3_path(review.lang, article.slug)}"
                for article in review.articles
            },
            where=lambda path: _relative(path, review.project),
            style=Markup((_HERE / "page.css").read_text(encoding="utf-8")),
            script=Markup((_HERE / "page.js").read_text(encoding="utf-8")),
        )
    )


def review_json(review: Review) -> str:
    """The review for tools: every row with its PO location, texts, narration, audio span."""
    return json.dumps(
        {
            "language": review.lang,
            "since": review.since,
            "stress": review.stress_source,
            "articles": [
                {
                    "slug": article.slug,
                    "title": article.title,
                    "po": _relative(article.path, review.project),
                    "mp3": _relative(article.mp3, review.project) if article.mp3 else None,
                    "rows": [_row_json(row, review.project) for row in article.rows],
                }
                for article in review.articles
            ],
        },
        ensure_ascii=False,
        indent=2,
    )


def _row_json(row: Row, project: Path) -> dict[str, Any]:
    spoken = row.spoken
    return {
        "id": row.id,
        "where": f"{_relative(row.path, project)}:{row.line}",
        "comment": row.comment,
        "source": row.source,
        "translation": row.translation,
        "state": str(row.state),
        "previous_source": row.previous_source,
        "spoken": None
        if spoken is None
        else {
            "text": spoken.text,
            "lang": spoken.lang,
            "differs": spoken.differs,
            "stressed": spoken.stressed,
            "lexicon": [{"word": word, "say": say} for word, say in spoken.lexicon],
        },
        "audio": None
        if row.audio is None
        else {"start": row.audio.start, "end": row.audio.end, "current": row.audio.current},
        "findings": [{"check": f.check, "message": f.message} for f in row.findings],
        "changed": row.changed,
        "filters": [str(kind) for kind in row.kinds],
    }


def _relative(path: Path, project: Path) -> str:
    try:
        return path.resolve().relative_to(project).as_posix()
    except ValueError:
        return path.as_posix()
