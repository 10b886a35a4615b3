#!/usr/bin/env bash
# Builds here what a CUDA machine without Java, Maven or network needs for scripts/gpu-check.sh, into the ignored
# folder .gpu/, packed in two files to carry (the tree plus both must stay under the device tool's 64 MiB):
#   .gpu/bundle.tar.xz   unpacks to .gpu/bundle/:
#     java/          a jlink'd Java 17 runtime (modules from jdeps), with the JDK's include/ (jni.h, for the JNI build)
#     vlunet.jar     the application jar built with -Dcuda (no CPU libtorch; other platforms' natives removed)
#     test-classes/  the test classes (their resources are read from src/test/resources)
#     junit/         the JUnit jars
#     djl/           DJL v0.36.0's PyTorch JNI sources in DJL's layout, with the javac -h header generated here
#   .gpu/tracked.tar.xz  the tracked data the check reads (the parity fixtures, the default model, the samples),
#                        paths from the repository root: --aside moves them away with the rest, the command
#                        unpacks them (xz saves 10% on the weights and stores the samples' repeated clean images once)
# Usage: scripts/gpu-bundle.sh            build and pack; print the sizes
#        scripts/gpu-bundle.sh --aside    move every tracked file but the check's own (scripts/, README.md, the test
#                                         resources' small files) to /tmp/vlunet-aside
#        scripts/gpu-bundle.sh --restore  move them back
#        scripts/gpu-bundle.sh --sizes    what would travel: the tree as it is now plus the two files
# DJL's sources come from DJL_REPO (a git clone of deepjavalibrary/djl; default /work/.mirror/deepjavalibrary+djl/repo).
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
aside=/tmp/vlunet-aside
djl_repo=${DJL_REPO:-/work/.mirror/deepjavalibrary+djl/repo}
djl_tag=v0.36.0

# The tracked data the check reads: the parity tests' fixtures (VluNetParityTest, TrainStepsFixtureTest with
# train_steps_io's initial_weights, ClipParityTest), the main job's checkpoint and samples.
tracked_needed="datasets/samples
src/test/resources/fixtures/vlunet_tiny_weights.safetensors
src/test/resources/fixtures/vlunet_tiny_io.safetensors
src/test/resources/fixtures/train_steps_io.safetensors
src/test/resources/fixtures/clip_tiny_clip.safetensors
src/test/resources/fixtures/clip_tiny_adapter.safetensors
src/test/resources/fixtures/clip_tiny_io.safetensors
pretrained_ckpt/vlunet-tiny-nhr.safetensors"
# Tracked files that stay in the tree for the check: the scripts, README.md (its table), the test resources'
# small files (JUnit's properties and extension registration); everything else is in the jars or tracked.tar.xz.
aside_list() {
    git ls-files | grep -vE '^(scripts/|README\.md$|\.gitignore$|src/test/resources/(META-INF/|junit-platform\.properties$))'
}

sizes() {
    local tree bundle data
    # what travels: tracked files present plus untracked files git does not ignore
    tree=$( { git ls-files -z; git ls-files -z --others --exclude-standard; } | { xargs -0 -r stat -c %s 2>/dev/null || true; } | awk '{s+=$1} END {print s+0}')
    bundle=$(stat -c %s .gpu/bundle.tar.xz 2>/dev/null || echo 0)
    data=$(stat -c %s .gpu/tracked.tar.xz 2>/dev/null || echo 0)
    awk -v t="$tree" -v b="$bundle" -v d="$data" 'BEGIN { m = 1048576; printf "gpu-bundle: tree that travels %.1f MiB + .gpu/bundle.tar.xz %.1f MiB + .gpu/tracked.tar.xz %.1f MiB = %.1f MiB (limit 64 MiB)\n", t/m, b/m, d/m, (t+b+d)/m }'
    [ $((tree + bundle + data)) -le $((64 * 1048576)) ] || echo "gpu-bundle: over the 64 MiB limit (scripts/gpu-bundle.sh --aside moves the large files away)"
}

case "${1:-}" in
    --aside)
        [ ! -e "$aside" ] || { echo "gpu-bundle: $aside exists: --restore first (or remove it)" >&2; exit 1; }
        [ -f .gpu/tracked.tar.xz ] || { echo "gpu-bundle: .gpu/tracked.tar.xz missing: run scripts/gpu-bundle.sh first" >&2; exit 1; }
        aside_list > /tmp/vlunet-aside.list
        while read -r f; do [ -e "$f" ] && mkdir -p "$aside/$(dirname "$f")" && mv "$f" "$aside/$f"; done < /tmp/vlunet-aside.list
        mv /tmp/vlunet-aside.list "$aside/.list"
        echo "gpu-bundle: moved $(wc -l < "$aside/.list") files to $aside ($(du -sh "$aside" | cut -f1)); --restore puts them back"
        sizes; exit 0 ;;
    --restore)
        [ -f "$aside/.list" ] || { echo "gpu-bundle: nothing to restore ($aside/.list missing)" >&2; exit 1; }
        while read -r f; do [ -e "$aside/$f" ] && mkdir -p "$(dirname "$f")" && mv "$aside/$f" "$f"; done < "$aside/.list"
        rm -rf "$aside"
        git status --short | grep -q '^ D' && { echo "gpu-bundle: tracked files still missing:" >&2; git status --short | grep '^ D' >&2; exit 1; }
        echo "gpu-bundle: restored; git status clean of deletions"; exit 0 ;;
    --sizes) sizes; exit 0 ;;
    "") ;;
    *) echo "gpu-bundle: unknown option $1 (expected --aside, --restore, --sizes or nothing)" >&2; exit 2 ;;
esac

command -v jlink >/dev/null && command -v jdeps >/dev/null && command -v javac >/dev/null ||
    { echo "gpu-bundle: needs a JDK 17 (jlink, jdeps, javac) on PATH" >&2; exit 2; }
git -C "$djl_repo" rev-parse -q --verify "$djl_tag^{commit}" >/dev/null ||
    { echo "gpu-bundle: DJL_REPO=$djl_repo has no tag $djl_tag (expected a clone of deepjavalibrary/djl)" >&2; exit 2; }
[ ! -e "$aside/.list" ] || { echo "gpu-bundle: files are moved aside ($aside): --restore first, the build needs them" >&2; exit 2; }

stage=$root/.gpu/bundle.new
rm -rf "$stage" && mkdir -p "$stage"

# 1. The application with -Dcuda, built in a copy so that target/ (the CPU build) stays as it is.
build=$root/.gpu/build
rm -rf "$build" && mkdir -p "$build"
cp -r pom.xml configs "$build"/ && mkdir -p "$build/src" && cp -r src/main "$build/src/" &&
    mkdir -p "$build/src/test" && cp -r src/test/java "$build/src/test/"
echo "gpu-bundle: mvn -Dcuda package (in $build)"
(cd "$build" && mvn -B -q -o package -DskipTests -Dcuda &&
    mvn -B -q -o dependency:build-classpath -Dcuda -Dmdep.includeScope=test -Dmdep.outputFile=target/test-classpath.txt >/dev/null)
cp "$build/target/vlunet.jar" "$stage/vlunet.jar"
# Natives for other platforms, and DJL's published JNIs (the one for this machine is built there), are dead weight.
zip -q -d "$stage/vlunet.jar" 'native/lib/win-*' 'native/lib/osx-*' 'native/lib/linux-aarch64/*' 'jnilib/*/*' \
    'com/sun/jna/aix-*' 'com/sun/jna/win32-*' 'com/sun/jna/sunos-*' 'com/sun/jna/darwin*' 'com/sun/jna/freebsd*' \
    'com/sun/jna/openbsd*' 'com/sun/jna/dragonfly*' 'com/sun/jna/linux-[!x]*' 'com/sun/jna/linux-x86/*' >/dev/null || true
unzip -l "$stage/vlunet.jar" > "$build/jar-list.txt"
grep -q 'native/lib/linux-x86_64/cpu/libtokenizers.so' "$build/jar-list.txt" ||
    { echo "gpu-bundle: the tokenizers native for linux-x86_64 is missing from the jar" >&2; exit 1; }
if grep -q 'libtorch_cpu' "$build/jar-list.txt"; then
    echo "gpu-bundle: the jar holds the CPU libtorch: -Dcuda did not take" >&2; exit 1
fi
# Stored, not deflated: the xz of the bundle then packs it to about half the deflated jar.
rm -rf "$build/jar" && mkdir -p "$build/jar" && (cd "$build/jar" && unzip -q "$stage/vlunet.jar" &&
    strip --strip-unneeded native/lib/linux-x86_64/cpu/libtokenizers.so &&
    rm "$stage/vlunet.jar" && zip -q -0 -X -r "$stage/vlunet.jar" META-INF/MANIFEST.MF .)
mkdir -p "$stage/test-classes" && (cd "$build/target/test-classes" && find . -name '*.class' -print0 | tar -c --null -T - -f -) |
    tar -x -C "$stage/test-classes"
mkdir -p "$stage/junit"
for j in $(tr ':' '\n' < "$build/target/test-classpath.txt" | grep -E '/(junit|opentest4j|apiguardian)'); do
    rm -rf "$build/junit" && mkdir -p "$build/junit" && (cd "$build/junit" && unzip -q "$j" && zip -q -0 -X -r "$stage/junit/$(basename "$j")" .)
done

# 2. A Java runtime: the modules the jars use, plus jdk.unsupported (JNA, DJL) and the JNI headers.
mods=$(jdeps --multi-release 17 --ignore-missing-deps --print-module-deps --class-path "$stage/junit/*" \
    "$stage/vlunet.jar" "$stage/test-classes" | tail -1)
mods="$mods,jdk.unsupported,java.logging"
echo "gpu-bundle: jlink $mods"
# Uncompressed modules: xz packs them to less than jlink's own zip does. Headless: no X11, font, sound or splash libs.
jlink --add-modules "$mods" --strip-debug --no-man-pages --compress=0 --output "$stage/java"
strip --strip-unneeded "$stage/java/lib/server/libjvm.so"
rm -f "$stage"/java/lib/{libawt_xawt,libfontmanager,libjawt,libjsound,libsplashscreen}.so
jdk=$(dirname "$(dirname "$(readlink -f "$(command -v javac)")")")
cp -r "$jdk/include" "$stage/java/include"
"$stage/java/bin/java" -version 2>&1 | head -1

# 3. DJL's JNI sources (DJL's layout: gpu-build-jni.sh finds api/ three levels above pytorch-native/).
p=engines/pytorch/pytorch-native
mkdir -p "$stage/djl"
git -C "$djl_repo" archive "$djl_tag" $p/CMakeLists.txt $p/build.sh $p/src/main/native $p/src/main/patch/cuda.cmake \
    api/src/main/native engines/pytorch/pytorch-engine/src/main/java/ai/djl/pytorch/jni/PyTorchLibrary.java | tar -x -C "$stage/djl"
javac -h "$stage/djl/$p/build/include" -d "$build/jni-classes" \
    "$stage/djl/engines/pytorch/pytorch-engine/src/main/java/ai/djl/pytorch/jni/PyTorchLibrary.java"
git -C "$djl_repo" rev-parse "$djl_tag^{commit}" > "$stage/djl/COMMIT"

rm -rf .gpu/bundle && mv "$stage" .gpu/bundle
echo "gpu-bundle: packing .gpu/bundle.tar.xz and .gpu/tracked.tar.xz"
tar -C .gpu -cf - bundle | xz -T0 -9e > .gpu/bundle.tar.xz.tmp && mv .gpu/bundle.tar.xz.tmp .gpu/bundle.tar.xz
echo "$tracked_needed" | tar -cf - -T - | xz -T0 -9e > .gpu/tracked.tar.xz.tmp && mv .gpu/tracked.tar.xz.tmp .gpu/tracked.tar.xz
du -sh .gpu/bundle/* .gpu/*.tar.xz | sed 's/^/gpu-bundle: /'
sizes
