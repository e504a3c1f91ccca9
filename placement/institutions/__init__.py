"""Host institutions: their members, needs and candidates."""
