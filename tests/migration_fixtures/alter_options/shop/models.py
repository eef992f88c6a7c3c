from django.db import models


class Book(models.Model):
    title = models.CharField(max_length=100)

    class Meta:
        ordering = ["-title"]
        verbose_name = "volume"
        verbose_name_plural = "volumes"
