# livedash: `make run` starts the server, `make test` runs every check CI runs.
GO ?= go
STATICCHECK ?= honnef.co/go/tools/cmd/staticcheck@v0.8.2

.PHONY: test lint unit run build bench-go

test: lint unit

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
