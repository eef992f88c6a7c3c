B = '''from django.db import models


class Book(models.Model):
    title = models.CharField(max_length=100)
    published = models.DateField(null=True)
'''
APPS = ["shop"]
BEFORE = {"shop": B + '''
    class Meta:
        indexes = [models.Index(fields=["title"], name="book_title_idx")]
'''}
AFTER = {"shop": B}
