#!/usr/bin/env bash
# Iteration-matched binary-MLP runs of issue 16 item 3(a): mlp-4 at width 0.25 (256 hidden units; the
# first layer and the classifier full precision, the 3 hidden-to-hidden layers quantized by R/SR/BC),
# all 50,000 CIFAR-10 training images, batch 128, 164 epochs = 64,124 iterations (the paper's count),
# TRAIN_SPEC's schedule (lr ÷10 at epochs 84 and 125: 51 % and 76 % of the run), one rayon thread.
# Resumable: run it again with the same arguments and each run continues from its checkpoint.
#
#   usage: benches/mlp_matched.sh QTRAIN DATA OUT SEED METHOD [METHOD ...]
#   e.g.   benches/mlp_matched.sh target/release/qtrain target/cifar10 target/mlp16 0 bc-adam sr-adam
set -euo pipefail
[ $# -ge 5 ] || { sed -n 8,9p "$0" >&2; exit 2; }
qtrain=$1; data=$2; out=$3; seed=$4; shift 4
common=(--net mlp-4 --width 0.25 --epochs 164 --batch 128 --lr 0.01 --data "$data" --seed "$seed" --quiet)
mkdir -p "$out"
for method in "$@"; do
  dir=$out/$method-seed$seed
  echo "$(date -u +%FT%TZ) start $dir" >&2
  RAYON_NUM_THREADS=1 "$qtrain" train --method "$method" "${common[@]}" --out "$dir" --resume
  echo "$(date -u +%FT%TZ) done  $dir" >&2
done
