import os

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "recaudo.settings")
application = get_asgi_application()

# Load the assistant's intent model now, not on the first customer's message (training it takes
# about half a second when the disk cache is cold). Not in an AppConfig.ready(): migrations and
# every other command would pay for it too.
from recaudo.conversations.nlu.classifier import get_model  # noqa: E402

get_model()
