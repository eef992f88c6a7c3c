B = '''from django.db import models


class Book(models.Model):
    title = models.CharField(max_length=100)
'''
APPS = ["shop"]
BEFORE = {"shop": B + "    subtitle = models.CharField(max_length=100, blank=True)\n"}
AFTER = {"shop": B}
