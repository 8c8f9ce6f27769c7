# tradecore engine image: `docker build -t tradecore .` then `docker run -p 8000:8000 tradecore`
# (or `docker compose up` for the engine with PostgreSQL and NATS).
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

# an unprivileged user owns the journal folder; nothing runs as root
RUN groupadd --system tradecore \
    && useradd --system --gid tradecore --home-dir /home/tradecore --create-home tradecore \
    && mkdir -p /data && chown tradecore:tradecore /data

WORKDIR /opt/tradecore
COPY pyproject.toml README.md ./
COPY src ./src
# the package and its runtime dependencies only (no test extras)
RUN pip install . && rm -rf /opt/tradecore/src /root/.cache

USER tradecore
WORKDIR /home/tradecore
VOLUME ["/data"]

# serve listens on every interface inside the container; the journal lives on the volume
ENV TRADECORE_SERVICE__HOST=0.0.0.0 \
    TRADECORE_SERVICE__PORT=8000 \
    TRADECORE_JOURNAL=sqlite:////data/tradecore.db
EXPOSE 8000

HEALTHCHECK --interval=10s --timeout=3s --start-period=20s --retries=3 \
    CMD ["python", "-c", "import urllib.request,sys; sys.exit(urllib.request.urlopen('http://127.0.0.1:8000/health').status != 200)"]

ENTRYPOINT ["tradecore"]
CMD ["serve"]
