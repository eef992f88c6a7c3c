B = '''from django.conf import settings
from django.db import models


class Book(models.Model):
    title = models.CharField(max_length=100)
'''
APPS = ["shop"]
BEFORE = {"shop": B}
AFTER = {"shop": B + "    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True)\n"}
