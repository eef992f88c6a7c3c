B = '''from django.db import models


class Book(models.Model):
    title = models.CharField(max_length=100)

    class Meta:
%s
'''
APPS = ["shop"]
BEFORE = {"shop": B % '        db_table_comment = "Books on sale"'}
AFTER = {"shop": B % '        db_table_comment = "Every book in the catalogue"'}
