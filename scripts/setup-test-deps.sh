#!/usr/bin/env bash
# Installs what the integration tests need beyond npm packages, idempotently:
# Debian's redis-server (Redis >= 7 for SET NX GET), and Apache Kafka's jars
# from Maven Central, cached in ${OCSVC_CACHE_DIR:-~/.cache/ocsvc}/kafka-<version>.
# Fast when everything is already there. Needs java (17+) and mvn on PATH.
set -euo pipefail
cd "$(dirname "$0")/.."

KAFKA_VERSION="${OCSVC_KAFKA_VERSION:-$(sed -n "s/^export const DEFAULT_KAFKA_VERSION = '\(.*\)';$/\1/p" test/harness/kafka-jars.ts)}"
CACHE_DIR="${OCSVC_CACHE_DIR:-$HOME/.cache/ocsvc}"

if ! command -v redis-server >/dev/null 2>&1; then
  echo "setup-test-deps: installing redis-server" >&2
  SUDO=""
  if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends redis-server >/dev/null
fi
redis-server --version >&2

for tool in java mvn; do
  if ! command -v "$tool" >/dev/null 2>&1; then
    echo "setup-test-deps: $tool is missing (needed to run Kafka for the integration tests)" >&2
    exit 1
  fi
done

if [ ! -f "$CACHE_DIR/kafka-$KAFKA_VERSION/libs/.complete" ]; then
  echo "setup-test-deps: fetching Kafka $KAFKA_VERSION jars with Maven" >&2
  node --import tsx test/harness/kafka-jars.ts "$KAFKA_VERSION" >&2
fi
echo "setup-test-deps: Kafka $KAFKA_VERSION jars in $CACHE_DIR/kafka-$KAFKA_VERSION/libs" >&2
