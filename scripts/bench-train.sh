#!/usr/bin/env bash
# Times the training step (CLIP features, forward, L1 loss, backward, AdamW) from the built jar.
# Usage: scripts/bench-train.sh [--config vlunet-nhr] [--batch 4] [--patch 128] [--device cpu|gpu|gpu:0,gpu:1]
#                               [--warmup 2] [--steps 5] [--no_clip] [--count_ops]  (native ops issued per part of a step)
#                               [--count_jni]  (calls into the PyTorch JNI per step, by part)
# Build first: mvn -q -B -DskipTests package
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/cpu-memory.sh && vlunet_cpu_memory  # keep freed memory for reuse (VLUNET_MALLOC=system: glibc defaults)
jar=target/vlunet.jar
[ -f "$jar" ] || { echo "bench-train: $jar not found; run 'mvn -q -B -DskipTests package' first" >&2; exit 1; }
agent=
for a in "$@"; do [ "$a" = --count_jni ] && agent="-javaagent:$jar"; done  # counts calls into the PyTorch JNI
exec java ${JAVA_OPTS:--Xmx4g} $agent -Dai.djl.offline=true -cp "$jar" org.vlunet.bench.TrainBench "$@"
