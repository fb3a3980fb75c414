# livedash: `make run` starts the server, `make test` runs every check CI runs.
GO ?= go
STATICCHECK ?= honnef.co/go/tools/cmd/staticcheck@v0.8.2

.PHONY: test lint unit web e2e run build bench-go

test: lint unit web e2e

lint:
	@out=$$(gofmt -l $$(git ls-files '*.go')); if [ -n "$$out" ]; then echo "gofmt needed:"; echo "$$out"; exit 1; fi
	$(GO) vet ./...
	$(GO) run $(STATICCHECK) ./...

unit:
	$(GO) test -race -count=1 -timeout 15m ./...

run:
	$(GO) run ./cmd/livedash

build:
	$(GO) build -o livedash ./cmd/livedash

bench-go:
	$(GO) test -run '^$$' -bench . -benchmem ./realtime/

# The web app: a clean install, lint, type check, unit tests, then a build that must match the
# committed web/dist (which `go run ./cmd/livedash` embeds without Node).
web:
	cd web && npm ci --no-audit --no-fund && npm run lint && npm run typecheck && npm test && npm run build
	@if [ -n "$$(git status --porcelain -- web/dist)" ]; then \
		git status --short -- web/dist; \
		echo "web/dist differs from a fresh build of web/src: run 'make web' and commit web/dist"; exit 1; fi

# End-to-end tests: the real binary driven by Debian's Chromium through playwright-core (no
# browser download). Installs Chromium when it is missing.
e2e: web
	@command -v chromium >/dev/null 2>&1 || { apt-get update -qq && apt-get install -y -qq chromium; }
	cd web && npm run e2e
