"""Experts: profile, availability, documents, consent, and their view of needs and offers."""
