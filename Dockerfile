# framewatch in a container: the release binary on Debian slim, run as a
# non-root user. Build and try it:
#   docker build -t framewatch .
#   docker run --rm -v "$PWD:/work" framewatch audit drafts/*.md
# The `ocr` target adds tesseract and poppler for scanned PDFs (`--ocr`)
# and fonts for `report --png`:
#   docker build --target ocr -t framewatch:ocr .

ARG RUST_VERSION=1.95
ARG DEBIAN=bookworm

FROM docker.io/library/rust:${RUST_VERSION}-slim-${DEBIAN} AS build
WORKDIR /src
COPY . .
# Cache mounts keep the crate registry and compiled dependencies between
# builds (BuildKit and podman); without them every build compiles polars.
RUN --mount=type=cache,target=/usr/local/cargo/registry \
    --mount=type=cache,target=/src/target \
    CARGO_PROFILE_RELEASE_STRIP=true cargo build --release --locked \
    && cp target/release/framewatch /usr/local/bin/framewatch \
    && /usr/local/bin/framewatch --version

FROM docker.io/library/debian:${DEBIAN}-slim AS base
RUN apt-get update \
    && apt-get install -y --no-install-recommends ca-certificates \
    && apt-get clean && rm -rf /var/lib/apt/lists/* /var/cache/apt/*.bin /var/log/apt /var/log/dpkg.log \
    && useradd --system --uid 10001 --user-group --create-home --home-dir /work framewatch
COPY --from=build /usr/local/bin/framewatch /usr/local/bin/framewatch
USER framewatch
WORKDIR /work
ENTRYPOINT ["framewatch"]
CMD ["--help"]

FROM base AS ocr
USER root
RUN apt-get update \
    && apt-get install -y --no-install-recommends tesseract-ocr tesseract-ocr-eng poppler-utils fonts-dejavu-core \
    && apt-get clean && rm -rf /var/lib/apt/lists/* /var/cache/apt/*.bin /var/log/apt /var/log/dpkg.log
USER framewatch

# The default target (last): the binary and CA certificates only.
FROM base AS slim
