"""WSGI entry point for gunicorn: `orthoregen.web.wsgi:application`."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "orthoregen.web.settings")
application = get_wsgi_application()
