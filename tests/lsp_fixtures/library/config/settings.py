"""Settings of the language-server navigation test project: one Django app, SQLAlchemy tables."""

SECRET_KEY = "lsp-fixture"
INSTALLED_APPS = ["library"]
DATABASES = {"default": {"ENGINE": "django.db.backends.sqlite3", "NAME": "db.sqlite3"}}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
