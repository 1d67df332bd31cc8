#!/usr/bin/env bash
# The demo job, run locally: writes a small random-weight LLaMA-style model, runs the influence
# statistics pass over calibration text, and evaluates perplexity with 0..K blocks removed in
# cosine order (least influential first). The bundled trained model and downstream tasks replace
# the random model with issue 3; the distributed service with issue 4.
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD="${1:-build}"
W="$BUILD/worker/depthlab-worker"
DEMO=.demo
MODEL="$DEMO/random-8x256"
CALIB="$DEMO/calibration.txt"
mkdir -p "$DEMO"

if [ ! -f "$MODEL/config.json" ]; then
  "$W" init-random --out "$MODEL" --layers 8 --hidden 256 --intermediate 688 --heads 8 \
    --kv-heads 4 --vocab 512 --seed 1
fi
# Calibration text: the project's own documentation (the byte-level tokenizer reads anything).
cat README.md docs/*.md worker/engine/README.md > "$CALIB"

echo
echo "== influence statistics (blocks) =="
"$W" stats --model "$MODEL" --calibration "$CALIB" --seq-len 128 --max-sequences 32 \
  --granularity block | tee "$DEMO/stats.txt"
echo
echo "== influence statistics (sub-layers) =="
"$W" stats --model "$MODEL" --calibration "$CALIB" --seq-len 128 --max-sequences 32 \
  --granularity sublayer

read -r -a order <<<"$(sed -n 's/^prune order (lowest cosine first): //p' "$DEMO/stats.txt")"
echo
echo "== perplexity with blocks removed in cosine order =="
printf '%-3s %-40s %12s %12s\n' k removed "mean NLL" perplexity
removed=""
for k in 0 1 2 3 4; do
  if [ "$k" -gt 0 ]; then removed="${removed:+$removed,}${order[$((k - 1))]}"; fi
  line=$("$W" perplexity --model "$MODEL" --text "$CALIB" --seq-len 128 --max-sequences 16 \
    --remove "$removed" --json 2>/dev/null | tr -d '\n ')
  nll=$(sed -n 's/.*"mean_nll":\([0-9.eE+-]*\).*/\1/p' <<<"$line")
  ppl=$(sed -n 's/.*"perplexity":\([0-9.eE+-]*\).*/\1/p' <<<"$line")
  printf '%-3s %-40s %12.4f %12.3f\n' "$k" "${removed:-(none)}" "$nll" "$ppl"
done
echo
echo "== greedy generation with and without the least influential block =="
"$W" generate --model "$MODEL" --prompt "Depth pruning" --max-new-tokens 12
"$W" generate --model "$MODEL" --prompt "Depth pruning" --max-new-tokens 12 --remove "${order[0]}"
