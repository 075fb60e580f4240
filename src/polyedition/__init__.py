"""polyedition: one news article, five accessible language editions, with narration."""

from __future__ import annotations

__version__ = "0.1.0"
