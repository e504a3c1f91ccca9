"""Diaspora organisations as partners: verification, members, offers of support."""
