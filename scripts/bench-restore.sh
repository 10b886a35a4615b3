#!/usr/bin/env bash
# Peak resident memory and seconds of `restore` on synthetic 4:3 photos, one JVM per row (RestoreBench).
# Usage: scripts/bench-restore.sh [--ckpt FILE] [--megapixels "1 4 12"] [--tiles "512 1024"] [--tile_overlap 64]
#                                 [--device cpu|gpu]
# JAVA_OPTS is passed to java (default: none, as bin/vlunet runs restore). Build first: mvn -q -B -DskipTests package
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/cpu-memory.sh && vlunet_cpu_memory  # keep freed memory for reuse (VLUNET_MALLOC=system: glibc defaults)
jar=target/vlunet.jar
[ -f "$jar" ] || { echo "bench-restore: $jar not found; run 'mvn -q -B -DskipTests package' first" >&2; exit 1; }
ckpt=pretrained_ckpt/vlunet-tiny-nhr.safetensors mps="1 4 12" tiles="512 1024" overlap=64 device=cpu
while [ $# -gt 0 ]; do
  [ $# -ge 2 ] || { echo "bench-restore: $1 needs a value" >&2; exit 2; }
  case "$1" in
    --ckpt) ckpt=$2 ;;
    --megapixels) mps=$2 ;;
    --tiles) tiles=$2 ;;
    --tile_overlap) overlap=$2 ;;
    --device) device=$2 ;;
    *) echo "bench-restore: unknown option $1" >&2; exit 2 ;;
  esac
  shift 2
done
echo "# $(date -u +%FT%TZ) $(nproc) cores, $(awk '/MemTotal/ {printf "%.0f GiB", $2/1048576}' /proc/meminfo), $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ //'), load $(cut -d' ' -f1-3 /proc/loadavg)"
echo "# ckpt $ckpt, device $device, JAVA_OPTS '${JAVA_OPTS:-}', GLIBC_TUNABLES '${GLIBC_TUNABLES:-}'"
printf "%-11s %6s %8s %7s %9s %13s %15s\n" image tile overlap passes seconds "peak RSS MB" "model only MB"
for mp in $mps; do
  for tile in $tiles; do
    line=$(java ${JAVA_OPTS:-} -Dai.djl.offline=true -cp "$jar" org.vlunet.bench.RestoreBench --ckpt "$ckpt" \
        --megapixels "$mp" --tile "$tile" --tile_overlap "$overlap" --device "$device" 2>/dev/null | grep '^restore-bench ') \
      || { echo "bench-restore: ${mp} MP, tile $tile failed (rerun the java line to see why)" >&2; exit 1; }
    set -- $line
    printf "%-11s %6s %8s %7s %9s %13s %15s\n" "$2" "$4" "$6" "$8" "${10}" "${12}" "${14}"
  done
done
