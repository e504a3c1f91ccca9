"""Serving uploaded documents to the people allowed to read them."""
