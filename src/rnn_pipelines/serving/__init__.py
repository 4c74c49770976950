"""Serving: SavedModel export, verification in a fresh process, and the champion model store.

Shared by the three domains; each domain supplies the function that builds its ``ExportArchive``.
"""
