"""Public pages of the platform shell."""

from __future__ import annotations

from flask import Blueprint, render_template

blp = Blueprint("web", __name__)


@blp.get("/")
def home() -> str:
    """Front page: what Tukiverkko is, and where to go."""
    return render_template("home.html")
