"""Entry point for ``python -m polyedition``."""

from __future__ import annotations

import sys

from polyedition.cli import main

sys.exit(main())
