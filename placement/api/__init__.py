"""The JSON API (token-authenticated), documented by an OpenAPI file."""


def init_api(app: object) -> None:
    """Attach the API to the app (filled in by the API work)."""
