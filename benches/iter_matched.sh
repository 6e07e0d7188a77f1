#!/usr/bin/env bash
# Iteration-matched VGG-BC runs of issue 16 item 3(b): vgg-bc width 0.125 on all 50,000 CIFAR-10
# training images, batch 50, 20 epochs = 20,000 iterations, TRAIN_SPEC's schedule (lr ÷10 at epochs
# 10 and 15, i.e. at 50 % and 75 %), one rayon thread per run. Every run is resumable: run this script
# again with the same arguments and each run continues from its checkpoint (a complete one is left
# as it is). The BC-ADAM run of each seed also leaves its epoch-10 checkpoint (the plateau just
# before the first lr drop) as OUT/probe-base-seedS.bin for the lr-invariance probe.
#
#   usage: benches/iter_matched.sh QTRAIN DATA OUT SEED METHOD [METHOD ...]
#   e.g.   benches/iter_matched.sh target/release/qtrain target/cifar10 target/iter16 0 bc-adam sr-adam
set -euo pipefail
[ $# -ge 5 ] || { sed -n 9,10p "$0" >&2; exit 2; }
qtrain=$1; data=$2; out=$3; seed=$4; shift 4
common=(--net vgg-bc --width 0.125 --epochs 20 --batch 50 --lr 0.01 --data "$data" --seed "$seed" --quiet)
mkdir -p "$out"
for method in "$@"; do
  name=$method; flags=()
  # bc-adam-orig: BC as the original BinaryConnect code ran it (uniform start, Glorot step scale)
  [ "$method" = bc-adam-orig ] && { flags=(--bc-uniform-init --bc-glorot-lr); method=bc-adam; }
  dir=$out/$name-seed$seed
  echo "$(date -u +%FT%TZ) start $dir" >&2
  if [ "$name" = bc-adam ] && [ ! -f "$out/probe-base-seed$seed.bin" ]; then
    RAYON_NUM_THREADS=1 "$qtrain" train --method "$method" "${common[@]}" "${flags[@]}" --out "$dir" \
      --resume --stop-after-epochs 10
    cp "$dir/checkpoint.bin" "$out/probe-base-seed$seed.bin.tmp"
    mv "$out/probe-base-seed$seed.bin.tmp" "$out/probe-base-seed$seed.bin"
  fi
  RAYON_NUM_THREADS=1 "$qtrain" train --method "$method" "${common[@]}" "${flags[@]}" --out "$dir" --resume
  echo "$(date -u +%FT%TZ) done  $dir" >&2
done
