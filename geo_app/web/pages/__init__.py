"""The map pages: public facilities (/), grid supervisors (/grid), district statistics (/districts), planners
(/plan). Each is a folium map in our own template; the data behind each is under /api."""

from flask import Blueprint

bp = Blueprint("maps", __name__)
