#!/usr/bin/env bash
# A full disk: a clear error with the system's reason, exit code 1, no crash, nothing left behind.
# Needs root for a small tmpfs in a private mount namespace; exits 77 (CTest: skipped) where that is not allowed.
# Usage: disk_full.sh ZDSCAN CASE
set -euo pipefail
zdscan=$1 case=$2
if [ -z "${ZDSCAN_IN_NAMESPACE:-}" ]; then
  if [ "$(id -u)" -ne 0 ] || ! unshare -m true 2> /dev/null; then
    echo "skipped: needs root and unshare -m for a private tmpfs"; exit 77
  fi
  exec env ZDSCAN_IN_NAMESPACE=1 unshare -m "$0" "$@"
fi
mnt=$(mktemp -d)
fill=0 command=scan
case $case in
  full_grid_2mb) size=2m; args=(--n 128 --full-grid) ;;
  writer_constructor_64kb) size=64k; args=(--n-m 100000 --n-eps 1000 --n-delta 2) ;;
  # Not a byte free: HDF5 created the temporary before failing, and it was left with 0 bytes.
  no_space_at_all) size=1m; fill=1; args=(--n 16) ;;
  no_space_at_all_no_checkpoint) size=1m; fill=1; args=(--n 16 --no-checkpoint) ;;
  # The checkpoint's first save fails (tiles.bin written, no room for the manifest): nothing may be left.
  checkpoint_first_save) size=1m; fill=12; args=(--n 64 --tile-masses 1 --checkpoint-interval 0) ;;
  # zdscan coverage: the copy of its input fails; the system's reason (ENOSPC), not EIO.
  coverage_copy) size=1m; fill=1; command=coverage ;;
  *) echo "unknown case" >&2; exit 1 ;;
esac
mount -t tmpfs -o size=$size tmpfs "$mnt" || { echo "skipped: cannot mount a tmpfs"; exit 77; }
if [ "$command" = coverage ]; then
  "$zdscan" scan --n 16 --quiet --no-checkpoint --out "$mnt/r.h5" > /dev/null
  args=(coverage "$mnt/r.h5" --toys 100 --no-checkpoint)
else
  args=(scan "${args[@]}")
fi
if [ "$fill" -gt 0 ]; then  # leave $fill-1 kB free (1: none)
  free_kb=$(( $(df -k --output=avail "$mnt" | tail -1) - fill + 1 ))
  [ "$free_kb" -le 0 ] || dd if=/dev/zero of="$mnt/fill" bs=1k count="$free_kb" 2> /dev/null || true
fi
before=$(ls -A "$mnt")
set +e; "$zdscan" "${args[@]}" --quiet --out "$mnt/x.h5" > /dev/null 2> "$mnt/../err.$$"; rc=$?; set -e
err=$(cat "$mnt/../err.$$"); rm -f "$mnt/../err.$$"
left=$(ls -A "$mnt" | grep -vxF -f <(printf '%s\n' $before) || true)
umount "$mnt"; rmdir "$mnt"
echo "$err"
[ "$rc" -eq 1 ] || { echo "FAIL: exit code $rc, expected 1" >&2; exit 1; }
grep -q "No space left on device" <<< "$err" || { echo "FAIL: no errno text" >&2; exit 1; }
grep -q "x.h5" <<< "$err" || { echo "FAIL: the message does not name the file" >&2; exit 1; }
[ -z "$left" ] || { echo "FAIL: left on the file system: $left" >&2; exit 1; }
echo "ok ($case)"
