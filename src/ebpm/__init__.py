from __future__ import annotations
"""EBPM course library."""
__version__ = "0.1.0"
