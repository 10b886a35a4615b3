#!/usr/bin/env bash
# The CUDA check in one go, on a machine with Java 17 and a CUDA libtorch (README, GPU): the parity tests on the
# device, the README's main job, the training-step and backbone benchmarks; one summary at the end.
# Usage: scripts/gpu-check.sh [--device gpu|gpu:N|cpu] [--quick] [--out DIR] [--budget SECONDS] [--jni FILE]
#   --device  default gpu; cpu runs the same sequence on the CPU (a dry run)
#   --quick   small benchmark sizes (the paper configurations at 256/512 pixels take long on a CPU)
#   --out     logs and results (default output/gpu-check-DEVICE)
#   --budget  seconds for all stages (default 540): each stage gets what is left, at most its own cap (four
#             times longer on the CPU), so a hung stage cannot eat the others' time; a stage that fails or runs
#             out of time is reported and the next one runs
#   --jni     a libdjl_torch.so built by scripts/gpu-build-jni.sh: put where DJL 0.36.0 looks for it
#             ($ENGINE_CACHE_DIR/pytorch/$PYTORCH_VERSION-$PYTORCH_FLAVOR-linux-x86_64/0.36.0-libdjl_torch.so)
# Java: $JAVA, else $JAVA_HOME/bin/java, else java on PATH (its folder is put first on PATH for the bench scripts).
# Needs target/vlunet.jar (built with -Dcuda for a GPU) and the test classes: .gpu/bundle/{test-classes,junit}
# (scripts/gpu-bundle.sh) or target/test-classes with the JUnit jars from ~/.m2 (mvn -o test-compile).
# For a GPU: PYTORCH_LIBRARY_PATH, PYTORCH_VERSION=2.7.1, PYTORCH_FLAVOR (README, GPU).
set -uo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
device=gpu quick=0 out= budget=540 jni=
while [ $# -gt 0 ]; do
    case "$1" in
        --device) device=${2:?--device needs a value}; shift 2 ;;
        --quick) quick=1; shift ;;
        --out) out=${2:?--out needs a folder}; shift 2 ;;
        --budget) budget=${2:?--budget needs seconds}; shift 2 ;;
        --jni) jni=${2:?--jni needs a file}; shift 2 ;;
        -h|--help) sed -n 2,16p "$0"; exit 0 ;;
        *) echo "gpu-check: unknown option $1 (expected --device, --quick, --out, --budget, --jni)" >&2; exit 2 ;;
    esac
done
[[ $device =~ ^(cpu|gpu|gpu:[0-9]+)$ ]] || { echo "gpu-check: --device $device: expected cpu, gpu or gpu:N" >&2; exit 2; }
[[ $budget =~ ^[0-9]+$ ]] || { echo "gpu-check: --budget $budget: expected whole seconds" >&2; exit 2; }
out=${out:-output/gpu-check-${device/:/}}
mkdir -p "$out" && out=$(cd "$out" && pwd)

java=${JAVA:-}
[ -n "$java" ] || { [ -n "${JAVA_HOME:-}" ] && java=$JAVA_HOME/bin/java; }
[ -n "$java" ] || java=$(command -v java || true)
[ -x "$java" ] || { echo "gpu-check: no java (set JAVA or JAVA_HOME, or put java on PATH)" >&2; exit 2; }
export PATH="$(dirname "$java"):$PATH"  # the bench scripts call java from PATH
jar=target/vlunet.jar
[ -f "$jar" ] || { echo "gpu-check: $jar not found (mvn -q -B -DskipTests package [-Dcuda], or scripts/gpu-bundle.sh)" >&2; exit 2; }

if [ -n "$jni" ]; then
    [ -f "$jni" ] || { echo "gpu-check: --jni $jni: no such file" >&2; exit 2; }
    : "${PYTORCH_VERSION:?--jni needs PYTORCH_VERSION (e.g. 2.7.1)}" "${PYTORCH_FLAVOR:?--jni needs PYTORCH_FLAVOR (e.g. cu128)}"
    export ENGINE_CACHE_DIR=${ENGINE_CACHE_DIR:-$root/.gpu/engine-cache}
    dest=$ENGINE_CACHE_DIR/pytorch/$PYTORCH_VERSION-$PYTORCH_FLAVOR-linux-x86_64
    mkdir -p "$dest" && cp "$jni" "$dest/0.36.0-libdjl_torch.so.tmp" && mv "$dest/0.36.0-libdjl_torch.so.tmp" "$dest/0.36.0-libdjl_torch.so"
    echo "gpu-check: JNI $jni -> $dest/0.36.0-libdjl_torch.so"
fi

# Test class path: the test classes, the fixtures' folder, the JUnit jars, the application jar.
if [ -d .gpu/bundle/test-classes ]; then
    tcp=.gpu/bundle/test-classes:src/test/resources:$(ls .gpu/bundle/junit/*.jar | tr '\n' ':')$jar
elif [ -d target/test-classes ]; then
    if [ ! -s target/junit-classpath.txt ]; then
        mvn -B -q -o dependency:build-classpath -Dmdep.includeScope=test -Dmdep.outputFile=target/test-classpath.txt >/dev/null ||
            { echo "gpu-check: mvn dependency:build-classpath failed" >&2; exit 2; }
        tr ':' '\n' < target/test-classpath.txt | grep -E '/(junit|opentest4j|apiguardian)' | paste -sd: > target/junit-classpath.txt
    fi
    tcp=target/test-classes:$(cat target/junit-classpath.txt):$jar
else
    echo "gpu-check: no test classes (.gpu/bundle/test-classes or target/test-classes)" >&2; exit 2
fi

start=$(date +%s)
declare -a names=() codes=() secs=()
# stage NAME CAP_SECONDS COMMAND...: runs with what is left of the budget (at most CAP), tees NAME.log
stage() {
    local name=$1 cap=$2; shift 2
    [ "$device" = cpu ] && cap=$(( cap * 4 ))  # a dry run on a small CPU takes longer than the GPU
    local left=$(( budget - ($(date +%s) - start) ))
    local lim=$(( left < cap ? left : cap ))
    local t0 rc
    t0=$(date +%s)
    echo; echo "=== stage $name (limit ${lim}s): $*"
    if [ "$lim" -lt 10 ]; then
        echo "skipped: the budget is spent" | tee "$out/$name.log"; rc=skipped
    else
        timeout -k 10 "$lim" "$@" 2>&1 | tee "$out/$name.log"
        rc=${PIPESTATUS[0]}
        [ "$rc" = 124 ] || [ "$rc" = 137 ] && rc="timeout(${lim}s)"
    fi
    names+=("$name") codes+=("$rc") secs+=($(( $(date +%s) - t0 )))
    echo "--- stage $name: exit $rc in $(( $(date +%s) - t0 ))s (total $(( $(date +%s) - start ))s)"
}

jvm=(-Xmx16g -Dai.djl.offline=true)
parity=(org.vlunet.model.VluNetParityTest org.vlunet.train.TrainStepsFixtureTest org.vlunet.clip.ClipParityTest)
if [ "$quick" = 1 ]; then
    train=(--config vlunet-tiny-nhr --batch 2 --patch 64 --warmup 1 --steps 2)
    back=(--config vlunet-tiny-nhr --warmup 1 --iters 2)
    sizes=(64 128)
else
    train=(--config vlunet-nhr --batch 4 --patch 128)
    back=()
    sizes=(256 512)
fi

stage machine 60 bash -c "uname -a; nvidia-smi 2>&1 | head -20; '$java' -version 2>&1; echo PYTORCH_LIBRARY_PATH=\${PYTORCH_LIBRARY_PATH:-} PYTORCH_VERSION=\${PYTORCH_VERSION:-} PYTORCH_FLAVOR=\${PYTORCH_FLAVOR:-}"
# cuDNN convolutions default to TF32 on Ampere and later (10-bit mantissa): first float32 as on the CPU
# (NVIDIA_TF32_OVERRIDE=0 turns TF32 off in cuDNN and cuBLAS), then the default math the commands get.
stage parity-fp32 120 env NVIDIA_TF32_OVERRIDE=0 "$java" "${jvm[@]}" -Dvlunet.test.device="$device" -cp "$tcp" org.vlunet.TestRun "${parity[@]}"
stage parity-default 120 "$java" "${jvm[@]}" -Dvlunet.test.device="$device" -cp "$tcp" org.vlunet.TestRun "${parity[@]}"
stage main-job 120 "$java" "${jvm[@]}" -jar "$jar" test --task NHR --ckpt pretrained_ckpt/vlunet-tiny-nhr.safetensors \
    --data_root datasets/samples --device "$device" --output_path "$out/main-job" --overwrite
stage bench-train 150 bash scripts/bench-train.sh "${train[@]}" --device "$device" --count_jni
for p in "${sizes[@]}"; do
    stage "bench-backbone-$p" 90 bash scripts/bench-backbone.sh "${back[@]}" --mode forward --patch "$p" --device "$device"
done

# The README's table (the CPU's numbers) against this run's.
readme_table() { sed -n '/^All sets:/,/^$/p' README.md | head -9 | grep -E '^(CBSD68|SOTS|Rain100L) '; }
run_table() { sed -n '/^All sets:/,/^$/p' "$out/main-job.log" | grep -E '^(CBSD68|SOTS|Rain100L) '; }

{
echo
echo "================ gpu-check summary (device $device$( [ "$quick" = 1 ] && echo ', quick sizes'), $(( $(date +%s) - start ))s) ================"
for i in "${!names[@]}"; do
    s=${codes[$i]}; [ "$s" = 0 ] && s=ok || s="FAILED ($s)"
    printf '%-22s %-22s %5ss\n' "${names[$i]}" "$s" "${secs[$i]}"
done
for p in parity-fp32 parity-default; do
    echo "-- $p:"
    grep -hE '^(TestRun [A-Z]+|parity: (output|[0-9]+ grad)|train_steps_io |ClipParityTest (encode|logits|loss))' "$out/$p.log" 2>/dev/null |
        grep -v '^TestRun SUCCESSFUL' | cut -c1-300 | sed 's/^/   /'
done
echo "-- main-job (README's CPU table, then this run's):"
if [ -n "$(run_table 2>/dev/null)" ]; then
    if diff <(readme_table) <(run_table) >/dev/null; then echo "   the same PSNR/SSIM as the README's CPU table"
    else diff <(readme_table) <(run_table) | grep '^[<>]' | sed 's/^/   /'; fi
else
    echo "   no table (see $out/main-job.log)"
fi
for f in "$out"/bench-*.log; do
    echo "-- $(basename "$f" .log):"
    grep -hiE 'ms|memory|MiB|GiB|jni|step|forward' "$f" | grep -v '^\s*at ' | tail -12 | sed 's/^/   /'
done
echo "logs: $out"
} | tee "$out/summary.txt"
for c in "${codes[@]}"; do [ "$c" = 0 ] || exit 1; done
