"""One module per screen area; each exposes ``urlpatterns`` (collected by console/urls.py)."""
