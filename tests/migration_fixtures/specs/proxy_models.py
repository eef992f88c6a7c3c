B = '''from django.db import models


class Book(models.Model):
    title = models.CharField(max_length=100)
    published = models.BooleanField(default=False)
'''
APPS = ["shop"]
BEFORE = {"shop": B + '''

class OldBook(Book):
    class Meta:
        proxy = True
'''}
AFTER = {"shop": B + '''

class PublishedBook(Book):
    class Meta:
        proxy = True
        ordering = ["title"]
        verbose_name = "published book"
'''}
