B = '''from django.db import models


class Book(models.Model):
    title = models.CharField(max_length=100)

    class Meta:
%s
'''
APPS = ["shop"]
BEFORE = {"shop": B % '        ordering = ["title"]'}
AFTER = {"shop": B % '        ordering = ["-title"]\n        verbose_name = "volume"\n        verbose_name_plural = "volumes"'}
