# Shared defaults for the scripts; every value can be overridden from the environment.
# shellcheck shell=bash
export DATABASE_URL="${DATABASE_URL:-postgres://otklik:otklik@127.0.0.1:5432/otklik}"
export REDIS_URL="${REDIS_URL:-redis://127.0.0.1:6379/0}"
export OTKLIK_TEST_DATABASE_URL="${OTKLIK_TEST_DATABASE_URL:-postgres://otklik:otklik@127.0.0.1:5432}"
export OTKLIK_TEST_REDIS_URL="${OTKLIK_TEST_REDIS_URL:-redis://127.0.0.1:6379}"
# A development key: production sets its own secret.
export OTKLIK_MASTER_KEY="${OTKLIK_MASTER_KEY:-dev-only-master-key-change-me-0123456789abcdef}"
export CARGO_TERM_COLOR="${CARGO_TERM_COLOR:-never}"
