from django.db import models


class Book(models.Model):
    title = models.CharField(max_length=100)
    published = models.DateField(null=True)

    class Meta:
        indexes = [models.Index(fields=["title", "published"], name="book_title_pub_idx")]
