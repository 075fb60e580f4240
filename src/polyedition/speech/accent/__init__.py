"""Stress accents for the narration, one module per language."""
