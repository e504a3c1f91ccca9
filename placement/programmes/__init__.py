"""Programmes: eligible countries, sectors, duration limits, quotas and budgets."""
