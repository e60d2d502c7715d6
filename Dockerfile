# The production image: one image for web (gunicorn), worker and beat.
FROM python:3.11-slim-bookworm
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 DJANGO_SETTINGS_MODULE=config.settings.production
RUN apt-get update && apt-get install -y --no-install-recommends gettext && rm -rf /var/lib/apt/lists/*
WORKDIR /app
COPY pyproject.toml README.md ./
COPY . .
RUN pip install --no-cache-dir . \
 && SECRET_KEY=build-only FIELD_ENCRYPTION_KEYS=YnVpbGQtb25seS1maWVsZC1rZXktMTIzNDU2Nzg5MDE= PII_HASH_KEY=build-only \
    python manage.py collectstatic --noinput -v0
RUN useradd --system --uid 10001 onestop && mkdir -p /app/var && chown onestop /app/var
USER onestop
EXPOSE 8000
CMD ["gunicorn", "config.wsgi:application", "--bind", "0.0.0.0:8000", "--workers", "3", "--access-logfile", "-"]
