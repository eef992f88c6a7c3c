B = '''from django.db import models


class Book(models.Model):
    title = models.CharField(max_length=100)
'''
APPS = ["shop"]
BEFORE = {"shop": B + "    summary = models.TextField(blank=True)\n"}
AFTER = {"shop": B + "    abstract = models.TextField(blank=True)\n"}
