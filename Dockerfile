# The bot as a container: slim Python, a virtual environment, a non-root user, state in a volume.
# Build from the repository root:  docker build -t scambot .
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PATH="/opt/venv/bin:$PATH" \
    SCAMBOT_DATA_DIR=/data

# Tesseract's language data for offers sent as pictures and scanned PDFs (the engine itself comes inside the
# tesserocr wheel). Without it the bot still runs and tells people to paste the text instead.
# hadolint ignore=DL3008
RUN apt-get update \
    && apt-get install -y --no-install-recommends tesseract-ocr-ara tesseract-ocr-fas tesseract-ocr-script-arab \
       tesseract-ocr-rus tesseract-ocr-fra tesseract-ocr-eng tesseract-ocr-osd \
    && rm -rf /var/lib/apt/lists/*

WORKDIR /src
COPY pyproject.toml README.md ./
COPY bot ./bot
COPY faq ./faq

# The same install CI checks: a fresh virtual environment, the package (with faq/ inside) not editable.
RUN python -m venv /opt/venv \
    && pip install --no-cache-dir . \
    && useradd --system --uid 10001 --home-dir /data --shell /usr/sbin/nologin scambot \
    && install -d -m 0700 -o scambot /data

WORKDIR /data
USER 10001
VOLUME ["/data"]

# Healthy when the package imports and the content loads: a broken faq/ would stop the bot from answering.
# (Not `scambot faq check`: it also fails on mere warnings, e.g. an answer a little long.)
HEALTHCHECK --interval=60s --timeout=20s --start-period=30s --retries=3 \
    CMD ["python", "-c", "from bot.config import Config; from bot.engine import Engine; Engine.load(Config.from_env())"]

# No token: the bot stops with one line saying how to get one. Webhook: override with `scambot webhook --url ...`.
CMD ["scambot", "run"]
