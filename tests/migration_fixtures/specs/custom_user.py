ACC = '''from django.contrib.auth.models import AbstractUser
from django.db import models


class User(AbstractUser):
    nickname = models.CharField(max_length=30, blank=True)
'''
SHOP = '''from django.conf import settings
from django.db import models


class Book(models.Model):
    title = models.CharField(max_length=100)
'''
APPS = ["accounts", "shop"]
SETTINGS_EXTRA = 'AUTH_USER_MODEL = "accounts.User"\n'
BEFORE = {"accounts": ACC, "shop": SHOP}
AFTER = {"accounts": ACC, "shop": SHOP + "    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, null=True, related_name=\"books\")\n"}
