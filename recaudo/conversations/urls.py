from django.urls import path

from recaudo.conversations import views

urlpatterns = [
    path("chat/assets/<str:name>", views.chat_asset, name="chat_asset"),
    path("chat/<slug:slug>/", views.chat_page, name="chat_page"),
    path("chat/<slug:slug>/widget.js", views.widget_js, name="chat_widget"),
    path("chat/<slug:slug>/turns", views.chat_turns, name="chat_turns"),
]
