"""Included at ``api/v1/`` by the project's URLconf."""

from django.urls import path

from recaudo.api.api import api

urlpatterns = [path("", api.urls)]
