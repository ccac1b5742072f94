#!/usr/bin/env bash
# tools/zdscan-gpu-bind and zdscan-mpirun (issue 30): each MPI rank sees one GPU of its node, chosen by its
# node-local rank from the list a scheduler gave (CUDA_VISIBLE_DEVICES), before MPI or CUDA start; zdscan-mpirun puts
# the binding in front of the zdscan program only.
# Usage: gpu_bind.sh TOOLS_DIR WORKDIR
set -euo pipefail
tools=$1 work=$2
rm -rf "$work" && mkdir -p "$work" && cd "$work"
fail() { echo "FAIL: $*" >&2; exit 1; }
visible() { env "$@" "$tools/zdscan-gpu-bind" sh -c 'echo "${CUDA_VISIBLE_DEVICES-unset}"'; }
[ "$(visible OMPI_COMM_WORLD_LOCAL_RANK=0 CUDA_VISIBLE_DEVICES=4,5,7)" = 4 ] || fail "Open MPI local rank 0"
[ "$(visible OMPI_COMM_WORLD_LOCAL_RANK=2 CUDA_VISIBLE_DEVICES=4,5,7)" = 7 ] || fail "Open MPI local rank 2"
[ "$(visible OMPI_COMM_WORLD_LOCAL_RANK=4 CUDA_VISIBLE_DEVICES=4,5,7)" = 5 ] || fail "more ranks than GPUs: r mod n"
[ "$(visible MPI_LOCALRANKID=1 CUDA_VISIBLE_DEVICES=GPU-a,GPU-b)" = GPU-b ] || fail "MPICH, GPUs by UUID"
[ "$(visible SLURM_LOCALID=1 CUDA_VISIBLE_DEVICES=2,3)" = 3 ] || fail "srun"
[ "$(visible CUDA_VISIBLE_DEVICES=2,3)" = 2,3 ] || fail "no local rank: unchanged"
[ "$(visible ZDSCAN_GPU_BIND=0 OMPI_COMM_WORLD_LOCAL_RANK=1 CUDA_VISIBLE_DEVICES=2,3)" = 2,3 ] || fail "ZDSCAN_GPU_BIND=0"
[ "$(visible OMPI_COMM_WORLD_LOCAL_RANK=1 CUDA_VISIBLE_DEVICES=)" = "" ] || fail "an empty list stays empty"
# zdscan-mpirun: the binding goes in front of the zdscan program, after the launcher's own options.
printf '#!/bin/sh\nfor a in "$@"; do printf "%%s\\n" "$a"; done\n' > launcher && chmod +x launcher
mkdir bin && printf '#!/bin/sh\n' > bin/zdscan && chmod +x bin/zdscan
ZDSCAN_MPIRUN=./launcher "$tools/zdscan-mpirun" -n 2 --bind-to core bin/zdscan scan --n 4 > args.txt
[ "$(cat args.txt | tr '\n' ' ')" = "-n 2 --bind-to core $tools/zdscan-gpu-bind bin/zdscan scan --n 4 " ] ||
  fail "zdscan-mpirun: $(cat args.txt | tr '\n' ' ')"
echo "gpu_bind: ok"
