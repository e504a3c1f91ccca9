"""Needs: posted by host institutions, reviewed by staff, browsed by experts."""
