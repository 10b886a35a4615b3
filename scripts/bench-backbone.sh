#!/usr/bin/env bash
# Times the VLU-Net restoration network (forward, forward+backward) from the built jar.
# Usage: scripts/bench-backbone.sh [--config vlunet-nhrbl] [--batch 1] [--patch 128] [--device cpu|gpu]
#                                  [--warmup 2] [--iters 5] [--mode forward|train|both] [--threads N]
#                                  [--cpu_route default|sse41|native]  (time a CPU convolution route unchecked)
#                                  [--count_ops]  (native ops issued per forward and per forward+backward)
#                                  [--count_jni]  (calls into the PyTorch JNI per iteration)
# Build first: mvn -q -B -DskipTests package
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/cpu-memory.sh && vlunet_cpu_memory  # keep freed memory for reuse (VLUNET_MALLOC=system: glibc defaults)
jar=target/vlunet.jar
[ -f "$jar" ] || { echo "bench-backbone: $jar not found; run 'mvn -q -B -DskipTests package' first" >&2; exit 1; }
agent=
for a in "$@"; do [ "$a" = --count_jni ] && agent="-javaagent:$jar"; done  # counts calls into the PyTorch JNI
exec java ${JAVA_OPTS:--Xmx4g} $agent -Dai.djl.offline=true -cp "$jar" org.vlunet.bench.BackboneBench "$@"
