"""The admin login's answer while django-axes holds it locked (``AXES_LOCKOUT_CALLABLE``)."""

import math

from django.conf import settings
from django.contrib import admin
from django.shortcuts import render


def lockout_response(request, original_response=None, credentials=None):
    minutes = math.ceil(settings.AXES_COOLOFF_TIME.total_seconds() / 60)
    context = {**admin.site.each_context(request), "title": "Login locked", "minutes": minutes}
    return render(request, "admin/locked_out.html", context, status=429)
