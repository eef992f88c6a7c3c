from django.db import models


class Order(models.Model):
    quantity = models.PositiveIntegerField(default=1)
    book = models.ForeignKey("shop.Book", on_delete=models.PROTECT, null=True)
