#!/usr/bin/env bash
# The lr-invariance probe of issue 16 item 3(c) (Theorems 2–3): from ONE checkpoint, continue SR-ADAM
# and BC-ADAM at a constant lr α, α/3 and α/10 for T, 3T and 10T epochs (α·T fixed), scoring the
# training set after every epoch (no augmentation, eval-mode BN: metrics.csv's eval_train_loss).
# Theorem 3 predicts SR's loss does not fall as α shrinks with α·T fixed; Theorem 2 that BC's does.
# Resumable: run it again with the same arguments (each arm continues from its own checkpoint).
#
#   usage: benches/lr_probe.sh QTRAIN DATA BASE_CHECKPOINT OUT [ALPHA] [T_EPOCHS]
#   e.g.   benches/lr_probe.sh target/release/qtrain target/cifar10 target/iter16/probe-base-seed0.bin target/probe16
set -euo pipefail
[ $# -ge 4 ] || { sed -n 9,10p "$0" >&2; exit 2; }
qtrain=$1; data=$2; base=$3; out=$4; alpha=${5:-0.01}; t=${6:-1}
[ -f "$base" ] || { echo "lr_probe: no such checkpoint: $base" >&2; exit 2; }
# the run's shape is the base checkpoint's (vgg-bc width 0.125, batch 50: benches/iter_matched.sh)
common=(--net vgg-bc --width 0.125 --batch 50 --data "$data" --seed 0 --lr-schedule constant
        --eval-train --from "$base" --quiet)
mkdir -p "$out"
for div in 1 3 10; do
  lr=$(python3 -c "print(repr($alpha / $div))")
  epochs=$((t * div))
  for method in bc-adam sr-adam; do
    dir=$out/$method-lr$lr-e$epochs
    echo "$(date -u +%FT%TZ) start $dir" >&2
    RAYON_NUM_THREADS=1 "$qtrain" train --method "$method" --lr "$lr" --epochs "$epochs" "${common[@]}" \
      --out "$dir" --resume
  done
done
echo "$(date -u +%FT%TZ) probe done: $out" >&2
