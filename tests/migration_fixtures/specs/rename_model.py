B = '''from django.db import models


class %s(models.Model):
    title = models.CharField(max_length=100)
    pages = models.IntegerField(default=0)

    class Meta:
        ordering = ["title"]
'''
APPS = ["shop"]
BEFORE = {"shop": B % "Book"}
AFTER = {"shop": B % "Volume"}
