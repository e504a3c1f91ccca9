"""Demo data: realistic programmes, experts, institutions, needs and placements."""
