"""ESCO autocomplete for skill and occupation fields."""
