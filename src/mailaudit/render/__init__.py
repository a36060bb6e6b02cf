"""Renderers: pure functions from reports to text. None of them does I/O or DNS."""
