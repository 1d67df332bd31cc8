#!/usr/bin/env bash
# Trains models/tiny from data/ (models/README.md): 1100 steps of box drills alone
# (data/train/warmup.jsonl), which teach the model to look a word up in its own context, then 2000
# steps on the corpus (data/train/corpus.jsonl) under a fresh cosine schedule. About 2 h 20 min on
# 2 CPU cores. The run is four resumptions of one `depthlab-worker train` run: they differ only
# in the learning rate of each stretch (1e-3 to step 600, 7e-4 to step 1100, then a cosine from
# 1e-3 to 1e-4, first to end at step 2700, then restretched to end at 3100) and in where each
# stops, and give the same weights as the run that made tiny/.
#
#   bash models/train_tiny.sh /tmp/tiny   # then: rm -rf /tmp/tiny/train_state; cp /tmp/tiny/* models/tiny/
set -euo pipefail
out=${1:?usage: models/train_tiny.sh OUT_DIR}
cd "$(dirname "$0")/.."
worker=build/worker/depthlab-worker
[ -x "$worker" ] || { echo "train_tiny: $worker is missing; run make build first" >&2; exit 1; }

train() {  # train LR STEPS
  OMP_WAIT_POLICY=PASSIVE "$worker" train --corpus data/train/corpus.jsonl \
    --warm-corpus data/train/warmup.jsonl --warm-steps 1100 --warm-restart \
    --eval-corpus data/calibration/test.jsonl --tokenizer-from models/tiny --out "$out" \
    --vocab 4096 --layers 8 --hidden 256 --intermediate 640 --heads 8 --kv-heads 4 \
    --seq-len 512 --batch 8 --warmup 50 --min-lr 1e-4 --eval-every 100 --checkpoint-every 50 \
    --seed 1 --answer-weight 5 --document-mask --init mimetic --lr "$1" --steps "$2"
}
train 1e-3 600    # box drills at the peak rate: the answer loss starts to fall near the end
train 7e-4 1100   # box drills at a lower rate: judged as BoolQ items, 0.59 -> 0.83
train 1e-3 2700   # the corpus, cosine from 1e-3 to 1e-4 over these 1600 steps
train 1e-3 3100   # 400 more corpus steps: the cosine restretched to end here (lr 1.9e-4 -> 1e-4)
