"""Diaspora skills inventory pages (being built)."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("diaspora", __name__, url_prefix="/diaspora")
