"""Administration: accounts and programmes."""
