# A migration written before Django 5.1 (index_together: its unnamed index is still created); the model now
# declares the same index in Meta.indexes: Django writes RenameIndex(old_fields=...).
LEGACY = '''from django.db import migrations, models


class Migration(migrations.Migration):

    initial = True

    dependencies = []

    operations = [
        migrations.CreateModel(
            name='Book',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('title', models.CharField(max_length=100)),
                ('published', models.DateField(null=True)),
            ],
            options={
                'index_together': {('title', 'published')},
            },
        ),
    ]
'''
APPS = ["shop"]
BEFORE_MIGRATE = False
EXTRA_FILES = {"shop/migrations/0001_initial.py": LEGACY}
BEFORE = {}
AFTER = {"shop": '''from django.db import models


class Book(models.Model):
    title = models.CharField(max_length=100)
    published = models.DateField(null=True)

    class Meta:
        indexes = [models.Index(fields=["title", "published"], name="book_title_pub_idx")]
'''}
