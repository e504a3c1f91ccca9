"""Placements: offers, acceptances, approval, logistics, budget, and the global assignment."""
