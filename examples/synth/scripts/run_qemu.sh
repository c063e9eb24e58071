#!/bin/sh
# Run an mps2_an500 image in QEMU with input files (default: all of inputs/)
# followed by "#exit"; QEMU's exit code is the firmware's.
#
#   scripts/run_qemu.sh build/synth.elf [input-file ...]
set -eu
[ $# -ge 1 ] || { echo "usage: $0 synth.elf [input-file ...]" >&2; exit 2; }
elf=$1
shift
[ $# -ge 1 ] || set -- "$(dirname "$0")"/../inputs/input-*.txt
tmp=$(mktemp)
trap 'rm -f "$tmp"' EXIT
cat "$@" > "$tmp"
printf '#exit\n' >> "$tmp"
qemu-system-arm -M mps2-an500 -display none -monitor none -nodefaults \
  -serial stdio -semihosting-config enable=on,target=native \
  -kernel "$elf" < "$tmp"
