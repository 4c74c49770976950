"""Comparison reports (Markdown, HTML, JSON) and their plots, shared by the three domains."""
