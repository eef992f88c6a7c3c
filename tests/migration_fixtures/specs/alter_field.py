B = '''from django.db import models


class Book(models.Model):
    title = models.CharField(max_length=%d)
    pages = models.IntegerField(default=0)
'''
APPS = ["shop"]
BEFORE = {"shop": B % 100}
AFTER = {"shop": B % 200}
