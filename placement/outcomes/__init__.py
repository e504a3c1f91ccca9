"""Outcomes: surveys at three points, the evaluation dashboard and export, the outcome model."""
