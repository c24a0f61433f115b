# One image for every LedgerMesh service; docker-compose.yml picks the service with `ledgermesh serve <name>`
# (composition/system.py wires what each one runs).
FROM python:3.11-slim
WORKDIR /app
COPY pyproject.toml README.md ./
COPY command_svc command_svc
COPY eventcodec eventcodec
COPY eventlog eventlog
COPY gateway gateway
COPY gen gen
COPY projector projector
COPY query_svc query_svc
COPY support support
COPY composition composition
RUN pip install --no-cache-dir .
# Services listen on every interface inside the container; data (the signing key) under /data.
ENV LEDGERMESH_HOST=0.0.0.0 LEDGERMESH_DATA_DIR=/data
RUN useradd --system --home /data ledgermesh && mkdir -p /data && chown ledgermesh /data
USER ledgermesh
ENTRYPOINT ["ledgermesh"]
