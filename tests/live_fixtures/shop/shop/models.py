import uuid

from django.db import models
from django.db.models.functions import Now


class Author(models.Model):
    name = models.CharField(max_length=100, unique=True)
    born = models.DateField(null=True)
    email = models.EmailField(blank=True, default="")


class Tag(models.Model):
    label = models.SlugField()


class Book(models.Model):
    title = models.CharField(max_length=200)
    pages = models.PositiveIntegerField(default=0)
    price = models.DecimalField(max_digits=8, decimal_places=2, null=True)
    published = models.DateTimeField(null=True)
    in_stock = models.BooleanField(default=True)
    code = models.UUIDField(default=uuid.uuid4, unique=True)
    data = models.JSONField(default=dict)
    author = models.ForeignKey(Author, on_delete=models.CASCADE, related_name="books")
    tags = models.ManyToManyField(Tag, blank=True)

    class Meta:
        indexes = [models.Index(fields=["published"], name="book_published_idx")]
        unique_together = [("title", "author")]


class Ebook(Book):
    url = models.URLField()
    size = models.FloatField(null=True)


class Coupon(models.Model):
    code = models.CharField(max_length=20, db_default="NEW", db_comment="coupon code")
    uses = models.IntegerField(db_default=0)
    active = models.BooleanField(db_default=True)
    created = models.DateTimeField(db_default=Now())

    class Meta:
        db_table_comment = "discount coupons"
        constraints = [models.CheckConstraint(condition=models.Q(uses__gte=0), name="coupon_uses_gte_0")]
