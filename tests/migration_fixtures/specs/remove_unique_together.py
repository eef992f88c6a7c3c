B = '''from django.db import models


class Book(models.Model):
    title = models.CharField(max_length=100)
    edition = models.IntegerField(default=1)
'''
APPS = ["shop"]
BEFORE = {"shop": B + '''
    class Meta:
        unique_together = ("title", "edition")
'''}
AFTER = {"shop": B}
