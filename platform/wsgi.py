"""WSGI entry point for gunicorn: `gunicorn tukiverkko.platform.wsgi:app`."""

from tukiverkko.platform.app import create_app

app = create_app()
