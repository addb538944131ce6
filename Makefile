# The two commands a newcomer needs. Both install whatever is missing first.
.PHONY: run test release-size

## Build and serve the portal on SQLite with demo data at http://127.0.0.1:3000
run:
	bash .ci/serve-demo

## Run every test: format, lints, unit and database tests (SQLite and PostgreSQL), browser tests
test:
	bash .ci/test-all

## Build the release bundle and print the WASM size (raw and gzip)
release-size:
	bash .ci/release-size
