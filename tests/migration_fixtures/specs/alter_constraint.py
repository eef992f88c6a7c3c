B = '''from django.db import models


class Book(models.Model):
    title = models.CharField(max_length=100)
    price = models.IntegerField(default=0)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=models.Q(price__gte=0),
                name="book_price_gte_0",
                violation_error_message="%s",
            ),
            models.UniqueConstraint(fields=["title"], name="book_title_unique"%s),
        ]
'''
APPS = ["shop"]
BEFORE = {"shop": B % ("Price must not be negative.", "")}
AFTER = {"shop": B % ("A book cannot cost less than nothing.", ', violation_error_code="duplicate_title"')}
