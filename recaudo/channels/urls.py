from django.urls import path

from recaudo.channels.views import webhook

urlpatterns = [
    path("<slug:kind>/", webhook, name="channels_webhook"),
]
