"""Shop models for the language-server tests (non-ASCII on purpose: café ☕ 𝄞)."""

from django.db import models


class Category(models.Model):
    title = models.CharField(max_length=80, unique=True)


class Product(models.Model):
    name = models.CharField(max_length=100, db_column="product_name")  # « nom »
    sku_ = models.CharField(max_length=20)
    price = models.DecimalField(max_digits=8)
    category = models.ForeignKey(Category, on_delete=models.CASCADE, related_name="products")
    parent = models.ForeignKey("self", null=True, on_delete=models.SET_NULL)
    maker = models.ForeignKey("crm.Company", on_delete=models.PROTECT)
    tags = models.ManyToManyField("Tag", blank=True)

    class Meta:
        db_table = "shop_products"
        ordering = ["-created"]


class Tag(models.Model):
    label = models.SlugField(unique=True)
