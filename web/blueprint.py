"""The one blueprint of the solving pages and the JSON API. web.views and web.api each register their
routes on it; web.create_app imports both and registers the blueprint (so neither imports the other)."""
from __future__ import annotations

from flask import Blueprint

bp = Blueprint("ui", __name__)
