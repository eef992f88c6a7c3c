B = '''from django.db import models


class Book(models.Model):
    title = models.CharField(max_length=100)
'''
APPS = ["shop"]
BEFORE = {"shop": B}
AFTER = {"shop": B + '''

class Review(models.Model):
    book = models.ForeignKey(Book, on_delete=models.CASCADE, related_name="reviews")
    rating = models.PositiveSmallIntegerField(choices=[(1, "Bad"), (5, "Good")])
    body = models.TextField(blank=True, help_text="What the reader said")
    created = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created"]
        verbose_name = "book review"
'''}
