#!/usr/bin/env bash
# Runs a command that must fail: exit code not 0 and not a crash (< 128), and stderr matching a regex.
# Usage: expect_failure.sh REGEX COMMAND [ARGS...]
set -u
regex=$1
shift
err=$("$@" 2>&1 >/dev/null)
rc=$?
if [ "$rc" -eq 0 ] || [ "$rc" -ge 128 ]; then
  echo "expected a clean failure, got exit code $rc: $*" >&2
  exit 1
fi
if ! grep -Eq -- "$regex" <<<"$err"; then
  echo "stderr does not match '$regex':" >&2
  echo "$err" >&2
  exit 1
fi
echo "ok: exit $rc, stderr: $err"
