#!/usr/bin/env bash
# Installs what the integration tests need beyond npm packages, idempotently:
# Debian's redis-server (Redis >= 7 for SET NX GET), Apache Kafka's jars
# from Maven Central, cached in ${OCSVC_CACHE_DIR:-~/.cache/ocsvc}/kafka-<version>,
# the Zipkin server's exec jar, cached beside them in zipkin-server-<version>,
# the interop clients (test/interop/opencensus, test/interop/zipkin): the Go
# program built into .cache/go/ and the Python venvs in .cache/python/, and the
# Jaeger Go client programs (test/interop/jaeger/go-client, jaeger-client-go;
# and go-grpc-client, grpc-go on jaeger-idl), and a real Jaeger (v2) built from
# test/interop/jaeger/jaeger-server/go.mod.
# Fast when everything is already there. Needs java (17+) and mvn on PATH;
# go and python3 (with venv) for the interop tests.
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

# The Zipkin server the zipkin backend's interop test posts to (test/interop/zipkin).
ZIPKIN_VERSION="${OCSVC_ZIPKIN_VERSION:-$(sed -n "s/^export const DEFAULT_ZIPKIN_VERSION = '\(.*\)';$/\1/p" test/harness/zipkin-server.ts)}"
if [ ! -f "$CACHE_DIR/zipkin-server-$ZIPKIN_VERSION/.complete" ]; then
  echo "setup-test-deps: fetching io.zipkin:zipkin-server:$ZIPKIN_VERSION (exec jar) with Maven" >&2
  node --import tsx test/harness/zipkin-server.ts "$ZIPKIN_VERSION" >&2
fi
echo "setup-test-deps: Zipkin server $ZIPKIN_VERSION in $CACHE_DIR/zipkin-server-$ZIPKIN_VERSION" >&2

# The interop clients (test/interop/opencensus, test/interop/zipkin). The tests
# prepare them too when missing; preparing them here keeps the first test run
# within its time bounds (a cold Go build takes
# about a minute on 2 cores). Without the runtime the tests skip locally, and
# fail under CI, so CI fails here already.
interop_client() {
  local runtime="$1" helper="$2"; shift 2
  if command -v "$runtime" >/dev/null 2>&1; then
    node --import tsx "test/harness/$helper" "$@" >&2
  elif [ "${CI:-}" = "true" ]; then
    echo "setup-test-deps: $runtime is missing (CI=true: the interop tests need it)" >&2
    exit 1
  else
    echo "setup-test-deps: $runtime not found: the interop tests that need it will skip" >&2
  fi
}
interop_client "${GO:-go}" go.ts test/interop/opencensus/go-client ocagent-client
interop_client "${GO:-go}" go.ts test/interop/jaeger/go-client jaeger-go-client
# The OpenTelemetry Collector's tail sampling processor, for the policy conformance test (a cold build takes minutes).
interop_client "${GO:-go}" go.ts test/interop/collector/go-tailsampling collector-tailsampling
interop_client "${PYTHON:-python3}" python.ts test/interop/opencensus/python-client/requirements.txt opencensus-python
interop_client "${GO:-go}" go.ts test/interop/jaeger/go-grpc-client jaeger-grpc-client
# A real Jaeger (v2, its collector and query service) for the jaeger backend's test (a cold build takes about 5 minutes).
interop_client "${GO:-go}" go.ts test/interop/jaeger/jaeger-server jaeger-server github.com/jaegertracing/jaeger/cmd/jaeger
interop_client "${PYTHON:-python3}" python.ts test/interop/zipkin/python-client/requirements.txt py-zipkin
