"""The language desk's review: each segment's English, translation, narration, audio, findings
and PO line on one local page (``polyedition review``), not part of the published site."""
