# agora-node in a container (docs/DEPLOY.md): a Debian 12 build stage that
# installs the build dependencies with scripts/bootstrap.sh (as `run.sh`
# does) and builds only agora-node, then a slim Debian 12 runtime stage with
# just the packages of the shared libraries agora-node links
# (scripts/runtime_packages.sh: ldd, then dpkg -S), /bin/sh for jobs, and a
# non-root user (agora, uid and gid 10001).
#
#   docker build -t agora-node .        (or: podman build -t agora-node .)
ARG BUILD_BASE=debian:12
ARG RUNTIME_BASE=debian:12-slim

FROM ${BUILD_BASE} AS build
WORKDIR /src
COPY scripts/bootstrap.sh scripts/bootstrap.sh
RUN bash scripts/bootstrap.sh && rm -rf /var/lib/apt/lists/*
COPY . .
RUN cmake -S . -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo \
          -DAGORA_BUILD_TESTS=OFF -DAGORA_BUILD_BENCH=OFF -DAGORA_BUILD_APPS=ON \
          -DAGORA_SANITIZE=OFF -DAGORA_FUZZ=OFF \
 && cmake --build build -j"$(nproc)" --target agora-node \
 && strip --strip-debug -o /agora-node build/apps/agora-node \
 && bash scripts/runtime_packages.sh /agora-node > /runtime-packages \
 && echo "runtime packages:" $(cat /runtime-packages)

FROM ${RUNTIME_BASE}
COPY --from=build /runtime-packages /tmp/runtime-packages
RUN apt-get update -q \
 && DEBIAN_FRONTEND=noninteractive xargs -a /tmp/runtime-packages \
      apt-get install -y -q --no-install-recommends \
 && rm -rf /var/lib/apt/lists/* /tmp/runtime-packages \
 && groupadd --system --gid 10001 agora \
 && useradd --system --uid 10001 --gid agora --home-dir /var/lib/agora --create-home \
            --shell /usr/sbin/nologin agora
COPY --from=build /agora-node /usr/local/bin/agora-node
USER agora
WORKDIR /var/lib/agora
# The cluster's port (--listen 0.0.0.0:7100 in compose.yaml).
EXPOSE 7100
ENTRYPOINT ["agora-node"]
CMD ["--help"]
