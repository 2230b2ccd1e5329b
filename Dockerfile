# Production image for web, worker and beat (see docker-compose.yml).
FROM python:3.11-slim-bookworm
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 DJANGO_SETTINGS_MODULE=config.settings.production
# WeasyPrint needs Pango; the CJK fonts keep Chinese PDFs from rendering as boxes (WenQuanYi for
# text, Hanazono for rare name characters of CJK Extension A–F such as 䶮 𠇔 𫖯 𬌗).
RUN apt-get update && apt-get install -y --no-install-recommends \
        libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz0b fonts-wqy-microhei fonts-hanazono postgresql-client \
    && rm -rf /var/lib/apt/lists/*
WORKDIR /app
COPY pyproject.toml ./
COPY . .
RUN pip install --no-cache-dir . \
    && SECRET_KEY=build-only-build-only-build-only-build-only FIELD_ENCRYPTION_KEYS=build-only ALLOWED_HOSTS=localhost \
       python manage.py collectstatic --noinput
RUN useradd --system --uid 1000 ssp && mkdir -p /app/var/media && chown -R ssp /app/var
USER ssp
EXPOSE 8000
CMD ["gunicorn", "config.wsgi:application", "--bind", "0.0.0.0:8000", "--workers", "3", "--access-logfile", "-"]
