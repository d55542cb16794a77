#!/usr/bin/env bash
# The original Outlier Detector's README walkthrough, with curl, against Outlier Desk's loopback API:
#   1. generate sample data   POST /data/generate_sample
#   2. train the models       POST /model/train_models
#   3. detect one entry       POST /outlier/detect   (the README's example entry)
#   4. reload the models      POST /outlier/reload_models
#
# Usage: bash scripts/walkthrough.sh [BASE_URL] [DATA_DIR]
#   BASE_URL  default http://127.0.0.1:8765 (start the API with `npm run serve -- --data-dir DIR --port N`)
#   DATA_DIR  where the API token is read from (DATA_DIR/api-token); not needed when $OUTLIER_DESK_TOKEN is set.
#             Default: $OUTLIER_DESK_DATA, else the app's own data directory.
# Environment:
#   OUTLIER_DESK_TOKEN  the bearer token (shown in Settings and in the URL `npm run serve` prints)
#   ROWS                sample size (default: the original's 300,000 rows)
set -euo pipefail

BASE_URL="${1:-http://127.0.0.1:8765}"
BASE_URL="${BASE_URL%/}"

default_data_dir() {
  if [[ -n "${OUTLIER_DESK_DATA:-}" ]]; then
    printf '%s' "$OUTLIER_DESK_DATA"
  elif [[ "$(uname -s)" == "Darwin" ]]; then
    printf '%s' "$HOME/Library/Application Support/Outlier Desk"
  else
    printf '%s' "${XDG_CONFIG_HOME:-$HOME/.config}/Outlier Desk"
  fi
}

TOKEN="${OUTLIER_DESK_TOKEN:-}"
if [[ -z "$TOKEN" ]]; then
  DATA_DIR="${2:-$(default_data_dir)}"
  TOKEN_FILE="$DATA_DIR/api-token"
  if [[ ! -r "$TOKEN_FILE" ]]; then
    echo "walkthrough: no token: set OUTLIER_DESK_TOKEN or pass the data directory (cannot read $TOKEN_FILE)" >&2
    exit 2
  fi
  TOKEN="$(tr -d '[:space:]' <"$TOKEN_FILE")"
fi

BODY_FILE="$(mktemp)"
trap 'rm -f "$BODY_FILE"' EXIT

# Pretty-prints JSON when jq or python3 is around, else prints it as it came.
show() {
  if command -v jq >/dev/null 2>&1; then
    jq . "$BODY_FILE" 2>/dev/null || cat "$BODY_FILE"
  elif command -v python3 >/dev/null 2>&1; then
    python3 -m json.tool "$BODY_FILE" 2>/dev/null || cat "$BODY_FILE"
  else
    cat "$BODY_FILE"
  fi
  echo
}

# call STEP METHOD PATH [JSON_BODY]: one request; stops the walkthrough on anything but 2xx.
call() {
  local step="$1" method="$2" path="$3" body="${4:-}"
  local args=(--silent --show-error --output "$BODY_FILE" --write-out '%{http_code}'
    --request "$method" --header "Authorization: Bearer $TOKEN")
  if [[ -n "$body" ]]; then
    args+=(--header 'Content-Type: application/json' --data "$body")
  fi
  echo "== $step: $method $path"
  local status
  if ! status="$(curl "${args[@]}" "$BASE_URL$path")"; then
    echo "walkthrough: cannot reach $BASE_URL (is \`npm run serve\` running on that port?)" >&2
    exit 1
  fi
  show
  if [[ "$status" != 2?? ]]; then
    echo "walkthrough: $method $path answered HTTP $status" >&2
    exit 1
  fi
}

SAMPLE_BODY=""
if [[ -n "${ROWS:-}" ]]; then
  SAMPLE_BODY="{\"rows\": $ROWS}"
fi

call "1. generate sample data" POST /data/generate_sample "$SAMPLE_BODY"
call "2. train the models" POST /model/train_models
call "3. detect an entry" POST /outlier/detect \
  '{"timestamp":"2023-10-27T10:00:00Z","ip_address":"10.0.0.5","service_endpoint":"/admin","http_response_code":500}'
call "4. reload the models" POST /outlier/reload_models
echo "walkthrough: done"
