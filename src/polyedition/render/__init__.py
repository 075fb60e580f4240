"""Renderers: one module per output format (HTML pages, PDF, audio) over the same Editions."""
