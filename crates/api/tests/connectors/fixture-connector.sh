#!/bin/sh
# A small connector that speaks the Airbyte protocol, for tests that need a real connector
# process without the cost of a real one. Its spec marks secrets at the top level, in a
# oneOf option and in array items. Its check fails when the configuration says so, or when a
# password other than the expected one is stored ("secret-check" fixtures).
# Usage: fixture-connector.sh spec | check --config FILE | discover --config FILE |
#        read --config FILE --catalog FILE (one record: whether the password is hunter2)
set -eu
command="${1:-}"
config=""
if [ "${2:-}" = "--config" ]; then config=$(cat "$3"); fi

case "$command" in
spec)
  cat <<'SPEC' | tr -d '\n'
{"type":"SPEC","spec":{"documentationUrl":"https://docs.ferry.invalid/fixture","connectionSpecification":{
"$schema":"http://json-schema.org/draft-07/schema#","type":"object","additionalProperties":true,
"properties":{
 "count":{"type":"integer","minimum":1},
 "host":{"type":"string"},
 "password":{"type":"string","airbyte_secret":true},
 "tunnel":{"oneOf":[
   {"type":"object","properties":{"method":{"const":"none"}}},
   {"type":"object","properties":{"method":{"const":"key"},"ssh_key":{"type":"string","airbyte_secret":true}}}]},
 "tokens":{"type":"array","items":{"type":"object","properties":{"token":{"type":"string","airbyte_secret":true}}}},
 "destination_path":{"type":"string"}
}}}}
SPEC
  echo
  ;;
check)
  echo '{"type":"LOG","log":{"level":"INFO","message":"checking"}}'
  echo "checking from stderr" >&2
  case "$config" in
  *'"fail_check":true'*)
    echo '{"type":"CONNECTION_STATUS","connectionStatus":{"status":"FAILED","message":"the fixture was told to fail"}}' ;;
  *'"crash":true'*)
    echo '{"type":"TRACE","trace":{"type":"ERROR","error":{"message":"the fixture crashed"}}}'
    exit 2 ;;
  *'"password":"hunter2"'* | *'"password"'*'"hunter2"'*)
    echo '{"type":"CONNECTION_STATUS","connectionStatus":{"status":"SUCCEEDED","message":"the stored password is hunter2"}}' ;;
  *'"password"'*)
    echo '{"type":"CONNECTION_STATUS","connectionStatus":{"status":"FAILED","message":"wrong password"}}' ;;
  *)
    echo '{"type":"CONNECTION_STATUS","connectionStatus":{"status":"SUCCEEDED"}}' ;;
  esac
  ;;
discover)
  case "$config" in
  *'"crash_discover":true'*)
    echo '{"type":"TRACE","trace":{"type":"ERROR","error":{"message":"the fixture crashed while discovering"}}}'
    exit 3 ;;
  esac
  echo '{"type":"CATALOG","catalog":{"streams":[{"name":"accounts","json_schema":{"type":"object","properties":{"id":{"type":"integer"},"email":{"type":["null","string"]},"active":{"type":"boolean"}}},"supported_sync_modes":["full_refresh","incremental"],"source_defined_cursor":false,"default_cursor_field":["id"]}]}}'
  ;;
read)
  # One record saying whether the configuration it was given holds the clear password.
  case "$config" in
  *'"password":"hunter2"'* | *'"password"'*'"hunter2"'*) seen="password ok" ;;
  *) seen="wrong password" ;;
  esac
  echo "{\"type\":\"RECORD\",\"record\":{\"stream\":\"accounts\",\"data\":{\"id\":1,\"email\":\"$seen\",\"active\":true},\"emitted_at\":0}}"
  ;;
*)
  echo "unknown command: $command" >&2
  exit 64
  ;;
esac
