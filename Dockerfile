# Production image for web, workers and beat (see docker-compose.yml).
# Stage 1 builds the dependencies into a virtualenv; they are installed from pyproject.toml
# before the source is copied, so a code change does not reinstall them.
FROM python:3.11-slim-bookworm AS build
ENV PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1
RUN python -m venv /opt/venv
ENV PATH=/opt/venv/bin:$PATH
WORKDIR /src
COPY pyproject.toml ./
RUN python -c "import tomllib; print('\n'.join(tomllib.load(open('pyproject.toml', 'rb'))['project']['dependencies']))" > requirements.txt \
    && pip install -r requirements.txt

# Stage 2: the runtime: system libraries, the virtualenv, the code (run from /app); no
# build tools.
FROM python:3.11-slim-bookworm
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PATH=/opt/venv/bin:$PATH \
    DJANGO_SETTINGS_MODULE=config.settings.production
# WeasyPrint needs Pango; the CJK fonts keep Chinese PDFs from rendering as boxes (WenQuanYi for
# text, Hanazono for rare name characters of CJK Extension A–F such as 䶮 𠇔 𫖯 𬌗).
RUN apt-get update && apt-get install -y --no-install-recommends \
        libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz0b fonts-wqy-microhei fonts-hanazono postgresql-client \
    && rm -rf /var/lib/apt/lists/*
COPY --from=build /opt/venv /opt/venv
WORKDIR /app
COPY . .
RUN SECRET_KEY=build-only-build-only-build-only-build-only FIELD_ENCRYPTION_KEYS=build-only \
        ALLOWED_HOSTS=localhost CACHE_URL=redis://build-only:6379/0 \
        python manage.py collectstatic --noinput \
    && useradd --system --uid 1000 ssp && mkdir -p /app/var/media && chown -R ssp /app/var
USER ssp
EXPOSE 8000 9100
# Liveness of the web process; worker and beat containers set their own in docker-compose.yml.
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 \
    CMD python -c "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8000/healthz', timeout=4)"
CMD ["gunicorn", "-c", "gunicorn.conf.py", "config.wsgi:application"]
