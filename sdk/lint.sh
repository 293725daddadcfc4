#!/usr/bin/env bash
# Lints the checked-in OpenAPI document with Redocly CLI (pinned in sdk/typescript/package.json,
# rules in sdk/redocly.yaml): Redocly's recommended ruleset. Exits non-zero on any error.
#
#   sdk/lint.sh            # installs sdk/typescript/node_modules with npm ci when needed
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
ts="$root/sdk/typescript"

if ! cmp -s "$ts/package-lock.json" "$ts/node_modules/.ferry-lock"; then
    (cd "$ts" && npm ci --no-audit --no-fund --loglevel=error)
    cp "$ts/package-lock.json" "$ts/node_modules/.ferry-lock"
fi

cd "$root"
REDOCLY_TELEMETRY=off REDOCLY_SUPPRESS_UPDATE_NOTICE=true REDOCLY_SUPPRESS_NOTIFICATIONS=true \
    "$ts/node_modules/.bin/redocly" lint --config sdk/redocly.yaml --format codeframe docs/openapi.json
