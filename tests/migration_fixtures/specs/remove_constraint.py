B = '''from django.db import models


class Book(models.Model):
    title = models.CharField(max_length=100)
'''
APPS = ["shop"]
BEFORE = {"shop": B + '''
    class Meta:
        constraints = [models.UniqueConstraint(fields=["title"], name="book_title_unique")]
'''}
AFTER = {"shop": B}
