# Builds the ferry binary and runs it on a slim image. Configuration comes from FERRY_*
# environment variables (see config/default.toml).
FROM rust:1-bookworm AS build
RUN apt-get update && apt-get install -y --no-install-recommends libpq-dev && rm -rf /var/lib/apt/lists/*
WORKDIR /src
COPY . .
# The image has no .git: `docker build --build-arg FERRY_COMMIT=$(git rev-parse --short=12 HEAD)`
# puts the commit into `ferry --version`.
ARG FERRY_COMMIT=
RUN cargo build --release --locked -p ferry-server

FROM debian:bookworm-slim
RUN apt-get update && apt-get install -y --no-install-recommends libpq5 ca-certificates curl \
    && rm -rf /var/lib/apt/lists/* \
    && useradd --system --home /var/lib/ferry --create-home ferry
COPY --from=build /src/target/release/ferry /usr/local/bin/ferry
USER ferry
WORKDIR /var/lib/ferry
# Reachable from other hosts: Ferry refuses to start unless FERRY_AUTH__ENABLED=true (or,
# deliberately, FERRY_AUTH__ALLOW_UNAUTHENTICATED_REMOTE=true). See README.md.
ENV FERRY_SERVER__LISTEN=0.0.0.0:8001
EXPOSE 8001
HEALTHCHECK --interval=10s --timeout=3s CMD curl -fsS http://127.0.0.1:8001/api/v1/health | grep -q '"db":true'
ENTRYPOINT ["ferry"]
CMD ["serve"]
