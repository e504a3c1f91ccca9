"""Entry point for gunicorn: ``gunicorn -w 4 'placement.wsgi:app'``."""

from placement import create_app

app = create_app()
