#!/usr/bin/env bash
# Writes datasets/samples: small noisy (σ 15/25/50), rainy and hazy versions of the held-out photos
# (palapeli-data, never used for training), laid out like the authors' test sets so that
# `vlunet test --task NHR --data_root datasets/samples` runs on them. Deterministic (fixed seed).
set -euo pipefail
cd "$(dirname "$0")/.."
photos=${PHOTOS:-datasets/photos}
[ -d "$photos/heldout" ] || bash scripts/gather-photos.sh "$photos"
[ -f target/vlunet.jar ] || mvn -q -B package -DskipTests
rm -rf datasets/samples
java -jar target/vlunet.jar datasets --input "$photos/heldout" --output datasets/samples --de_type NHR \
  --test_fraction 1 --max_size 192 --crop 160 --seed 7 --quiet
awk -F'\t' 'NR==1 || $1 ~ /^heldout\//' "$photos/LICENSES.tsv" > datasets/samples/LICENSES.tsv
echo "make-samples: datasets/samples written ($(du -sh datasets/samples | cut -f1))"
