from django.db import models


class Book(models.Model):
    title = models.CharField(max_length=100)
    price = models.IntegerField(default=0)
    discount = models.IntegerField(default=0)
    archived = models.BooleanField(default=False)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=models.Q(price__gte=0) | models.Q(archived=True),
                name="book_price_or_archived",
            ),
            models.CheckConstraint(
                condition=~models.Q(title="") & models.Q(discount__lte=models.F("price")),
                name="book_title_discount",
            ),
            models.CheckConstraint(
                condition=(models.Q(price__gt=0) | models.Q(discount=0)) & ~models.Q(archived=True, price=0),
                name="book_nested",
            ),
            models.UniqueConstraint(
                fields=["title"],
                condition=models.Q(archived=False) | models.Q(price__isnull=True),
                name="book_title_live_unique",
            ),
        ]
