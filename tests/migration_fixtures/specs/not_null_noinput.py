B = '''from django.db import models


class Book(models.Model):
    title = models.CharField(max_length=100)
'''
APPS = ["shop"]
BEFORE = {"shop": B}
AFTER = {"shop": B + "    isbn = models.CharField(max_length=13)\n    pages = models.IntegerField()\n"}
