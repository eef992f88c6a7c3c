B = '''from django.db import models


class Book(models.Model):
    title = models.CharField(max_length=100)
    pages = models.IntegerField(%s)
'''
APPS = ["shop"]
BEFORE = {"shop": B % "null=True"}
AFTER = {"shop": B % ""}
