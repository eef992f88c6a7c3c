B = '''from django.db import models


class Book(models.Model):
    title = models.CharField(max_length=100)
    price = models.DecimalField(max_digits=8, decimal_places=2, default=0)
'''
APPS = ["shop"]
BEFORE = {"shop": B}
AFTER = {"shop": B + '''
    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["title"], name="book_title_unique"),
            models.CheckConstraint(condition=models.Q(price__gte=0), name="book_price_gte_0"),
        ]
'''}
