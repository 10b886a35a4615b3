#!/usr/bin/env bash
# Throughput of the Spark job (embedded) with the shipped tiny model on the bundled samples, for each master given:
# each master runs on the samples once (N images) and on K copies of them (K*N images), into fresh folders; the
# difference of the two wall times is the cost of (K-1)*N images without the start (Spark, model load, kernel check).
# Usage: scripts/bench-spark.sh [K=5] [master ...]   (default masters: local[1] local[2])
# Build first: mvn -q -B install -DskipTests && (cd spark && mvn -q -B package -DskipTests)
set -euo pipefail
cd "$(dirname "$0")/.."
jar=spark/target/vlunet-spark.jar
[ -f "$jar" ] || { echo "bench-spark: $jar not found; build it first (see the header of this script)" >&2; exit 1; }
k=${1:-5}; shift || true
masters=("$@"); [ ${#masters[@]} -gt 0 ] || masters=('local[1]' 'local[2]')
work=$(mktemp -d); trap 'rm -rf "$work"' EXIT
for i in $(seq 1 "$k"); do mkdir -p "$work/many/copy$i" && cp -r datasets/samples/. "$work/many/copy$i/"; done
run() { # master input -> prints images and wall seconds
  local out="$work/out-$RANDOM" t0 t1 n
  t0=$(date +%s.%N)
  java -Xmx4g -jar "$jar" --master "$1" --ckpt pretrained_ckpt/vlunet-tiny-nhr.safetensors "$2" "$out" >"$work/log" 2>&1 \
    || { cat "$work/log" >&2; exit 1; }
  t1=$(date +%s.%N)
  n=$(grep -o '^[0-9]* image(s)' "$work/log" | grep -o '^[0-9]*')
  echo "$n $(echo "$t1 - $t0" | bc)"
}
printf '%-10s %8s %9s %8s %9s %12s %10s\n' master n_small wall_s n_large wall_s per_image_ms images_per_s
for m in "${masters[@]}"; do
  read -r n1 s1 < <(run "$m" datasets/samples)
  read -r n2 s2 < <(run "$m" "$work/many")
  printf '%-10s %8d %9.1f %8d %9.1f %12.0f %10.2f\n' "$m" "$n1" "$s1" "$n2" "$s2" \
    "$(echo "1000 * ($s2 - $s1) / ($n2 - $n1)" | bc -l)" "$(echo "($n2 - $n1) / ($s2 - $s1)" | bc -l)"
done
