"""Homeward's matching engine: a pure Python library (no Flask, no database).

Modules
-------
records
    Frozen ``Expert`` and ``Need`` records and their validation.
io
    Reading the interchange JSON Lines files, with file/line/field errors.
eligibility
    The four hard rules of the interchange contract plus programme rules, with reasons.
taxonomy
    ESCO skills and occupations: multilingual, typo-tolerant resolution and search.
engine
    ``Matcher``: eligible candidates, per-criterion scores, rankings in both directions.
assignment
    ``assign``: the exact maximum-total-score plan, compared with greedy.

This service uses the ESCO classification of the European Commission.
"""

from matching.engine import ENGINE_VERSION, Match, Matcher

__all__ = ["ENGINE_VERSION", "Match", "Matcher"]
__version__ = "1.0.0"
