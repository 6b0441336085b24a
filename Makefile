# The two set-up commands of the README:
#   make run    installs, builds and starts ocsvc all-in-one (no Kafka or Redis needed)
#   make test   installs everything the tests need (Redis from Debian, Kafka from
#               Maven Central, cached) and runs typecheck, lint and the whole suite
.PHONY: run test install build check bench clean

install:
	npm ci --no-audit --no-fund

build: install
	npm run build

run: build
	node dist/bin/ocsvc.js all-in-one

test: install
	bash scripts/setup-test-deps.sh
	npm run check

bench: build
	npm run bench

clean:
	rm -rf dist node_modules
