"""The ESCO taxonomy for the web app: the one loaded by `placement taxonomy load`, else the one
shipped with the matching library. Loaded once per process."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from flask import current_app

from matching.taxonomy import Resolution, Taxonomy

# A free-text skill is linked to an ESCO concept only when the engine is this sure.
LINK_CONFIDENCE = 0.85


@lru_cache(maxsize=2)
def _load(path: str | None) -> Taxonomy:
    return Taxonomy.load(path)


def get_taxonomy() -> Taxonomy:
    folder = Path(current_app.config["TAXONOMY_DIR"])
    loaded = folder.is_dir() and any(folder.iterdir())
    return _load(str(folder) if loaded else None)


def best_concept(text: str, kind: str = "skill", lang: str | None = None) -> Resolution | None:
    """The ESCO concept a typed label most likely means, if the engine is confident enough."""
    resolutions = get_taxonomy().resolve(text, lang=lang, kind=kind)
    if resolutions and resolutions[0].confidence >= LINK_CONFIDENCE:
        return resolutions[0]
    return None


def concept_label(uri: str) -> str:
    """An ESCO concept's label in the reader's language, falling back to English."""
    from flask_babel import get_locale

    taxonomy = get_taxonomy()
    lang = str(get_locale() or "en")
    return taxonomy.label(uri, lang) or taxonomy.label(uri, "en") or uri


def skill_text(value: str) -> str:
    """What to show for a skill the engine reports: a URI becomes its label."""
    return concept_label(value) if value.startswith("http") else value
