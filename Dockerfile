# One container, one binary. The build stage runs the same script as the
# README's demo and CI's release check (scripts/build).
FROM swift:6.3-bookworm AS build
WORKDIR /src
COPY . .
RUN ./scripts/build && cp "$(swift build -c release --show-bin-path)/withings-gateway" \
                          "$(swift build -c release --show-bin-path)/withings-sim" /usr/local/bin/

FROM debian:bookworm-slim
RUN apt-get update \
 && apt-get install -y --no-install-recommends libssl3 zlib1g libsqlite3-0 libpq5 ca-certificates \
 && rm -rf /var/lib/apt/lists/* \
 && useradd --system --uid 10001 --home-dir /data gateway \
 && mkdir -p /data && chown gateway /data
COPY --from=build /usr/local/bin/withings-gateway /usr/local/bin/withings-sim /usr/local/bin/
COPY openapi.yaml /usr/share/withings-gateway/openapi.yaml
USER gateway
WORKDIR /data
ENV GATEWAY_LISTEN=0.0.0.0:8080 \
    GATEWAY_DATABASE=sqlite:/data/gateway.sqlite
EXPOSE 8080
VOLUME ["/data"]
HEALTHCHECK --interval=10s --timeout=2s CMD ["withings-gateway", "healthcheck"]
ENTRYPOINT ["withings-gateway"]
CMD ["serve"]
