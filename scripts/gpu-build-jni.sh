#!/usr/bin/env bash
# Builds DJL 0.36.0's PyTorch JNI (libdjl_torch.so) against an installed torch, for a machine where DJL's
# published JNI does not work with the local libtorch ("Cannot access data pointer of Tensor that doesn't have
# storage"). Sources: DJL v0.36.0 engines/pytorch/pytorch-native (CMakeLists.txt, src/main/native/*), with the JNI
# header ai_djl_pytorch_jni_PyTorchLibrary.h already generated (javac -h) into SRC_DIR/build/include as DJL's
# build.sh does, and DJL's api/src/main/native/djl/utils.h at SRC_DIR/../../../api/src/main/native (DJL's layout).
# scripts/gpu-bundle.sh lays them out so in .gpu/djl/engines/pytorch/pytorch-native.
#
# Usage: scripts/gpu-build-jni.sh SRC_DIR TORCH_DIR OUT_DIR [--direct]
#   TORCH_DIR: a libtorch or a pip torch folder (include/, lib/, share/cmake/Torch), e.g.
#              python3 -c 'import torch,os;print(os.path.dirname(torch.__file__))'
#   OUT_DIR:   build folder; the result is OUT_DIR/libdjl_torch.so
#   --direct:  skip CMake and compile with g++ straight away (otherwise only the fallback when CMake fails)
# Route: DJL's CMakeLists.txt (find_package(Torch), USE_CUDA when torch is a CUDA build, all cores). A CUDA torch's
# CMake config needs the CUDA toolkit (nvcc, cudart headers); where that is missing, configuring fails and the
# same sources are compiled directly with g++ on all cores, without USE_CUDA (it only enables emptyCache and
# DJL's separate inference stream; every tensor op goes through libtorch either way).
# Loading (DJL 0.36.0 ai/djl/pytorch/jni/LibUtils.findJniLibrary, with PYTORCH_LIBRARY_PATH=TORCH_DIR/lib): it
# takes TORCH_DIR/lib/0.36.0-libdjl_torch.so, else TORCH_DIR/lib/libdjl_torch.so, else
# $ENGINE_CACHE_DIR/pytorch/$PYTORCH_VERSION-$PYTORCH_FLAVOR-linux-x86_64/0.36.0-libdjl_torch.so
# (ENGINE_CACHE_DIR defaults to DJL_CACHE_DIR, then ~/.djl.ai). scripts/gpu-check.sh --jni FILE puts it there.
set -euo pipefail
[ $# -ge 3 ] || { echo "usage: gpu-build-jni.sh SRC_DIR TORCH_DIR OUT_DIR [--direct]" >&2; exit 2; }
src=$(cd "$1" && pwd) torch=$(cd "$2" && pwd) out=$3 direct=${4:-}
[ -f "$src/CMakeLists.txt" ] || { echo "gpu-build-jni: $src/CMakeLists.txt missing; expected DJL's pytorch-native folder" >&2; exit 2; }
hdr=$src/build/include/ai_djl_pytorch_jni_PyTorchLibrary.h
[ -f "$hdr" ] || { echo "gpu-build-jni: $hdr missing; expected the javac -h header of PyTorchLibrary.java" >&2; exit 2; }
utils=$src/../../../api/src/main/native
[ -f "$utils/djl/utils.h" ] || { echo "gpu-build-jni: $utils/djl/utils.h missing; expected DJL's api native header" >&2; exit 2; }
[ -f "$torch/lib/libtorch.so" ] && [ -d "$torch/include/torch" ] || {
    echo "gpu-build-jni: $torch has no lib/libtorch.so or include/torch; expected a torch install folder" >&2; exit 2; }
mkdir -p "$out" && out=$(cd "$out" && pwd)
jobs=$(nproc 2>/dev/null || echo 4)
cuda=0
ls "$torch"/lib/libtorch_cuda*.so >/dev/null 2>&1 && cuda=1
echo "gpu-build-jni: torch $torch (CUDA build: $cuda), $jobs jobs, into $out"

# JNI headers: JAVA_HOME's include/ (the bundled runtime keeps it), else the javac on PATH.
jh=${JAVA_HOME:-}
[ -n "$jh" ] || { j=$(command -v javac || command -v java || true); [ -n "$j" ] && jh=$(dirname "$(dirname "$(readlink -f "$j")")"); }
[ -f "$jh/include/jni.h" ] || { echo "gpu-build-jni: no jni.h under JAVA_HOME=$jh/include; set JAVA_HOME to a JDK or the bundled runtime" >&2; exit 2; }

# The ABI torch was built with (pip torch >= 2.7: 1); the JNI must match it.
abi=$(grep -ho '_GLIBCXX_USE_CXX11_ABI=[01]' "$torch"/share/cmake/Torch/TorchConfig.cmake 2>/dev/null | head -1 | cut -d= -f2 || true)
if [ -z "$abi" ]; then nm -DC "$torch/lib/libc10.so" 2>/dev/null | grep -q '__cxx11' && abi=1 || abi=0; fi

rm -f "$out/libdjl_torch.so"
cmake_build() {
    # --as-needed: no NEEDED entry for a CUDA runtime the JNI never calls (DJL's build.sh strips libcudart from
    # the link line of CUDA builds for the same reason).
    local extra=()
    [ "$cuda" = 1 ] && extra+=(-DUSE_CUDA=1)
    cmake -S "$src" -B "$out" -G "$( command -v ninja >/dev/null && echo Ninja || echo 'Unix Makefiles')" \
        -DCMAKE_BUILD_TYPE=Release -DCMAKE_PREFIX_PATH="$torch" -DJAVA_HOME="$jh" \
        -DCMAKE_CXX_FLAGS="-I$src/build/include" "${extra[@]}" \
        -DCMAKE_SHARED_LINKER_FLAGS=-Wl,--as-needed &&
    cmake --build "$out" -j "$jobs"
}
direct_build() {
    local inc=(-I"$src/build/include" -I"$utils" -I"$jh/include" -I"$jh/include/linux"
               -I"$torch/include" -I"$torch/include/torch/csrc/api/include")
    local libs=(-ltorch -ltorch_cpu -lc10)
    [ "$cuda" = 1 ] && libs+=(-ltorch_cuda -lc10_cuda)
    mkdir -p "$out/direct"
    ls "$src"/src/main/native/*.cc | xargs -P "$jobs" -I{} sh -c \
        'f={}; o='"$out"'/direct/$(basename "$f" .cc).o; echo "  c++ $(basename "$f")"; exec g++ -std=c++17 -O2 -fPIC -D_GLIBCXX_USE_CXX11_ABI='"$abi"' '"${inc[*]}"' -c "$f" -o "$o"'
    g++ -shared -o "$out/libdjl_torch.so" "$out"/direct/*.o -L"$torch/lib" -Wl,--no-as-needed "${libs[@]}" \
        -Wl,-rpath,'$ORIGIN'
}
if [ "$direct" = --direct ]; then
    direct_build
elif ! cmake_build; then
    echo "gpu-build-jni: the CMake route failed (see above); compiling directly with g++ instead" >&2
    direct_build
fi
so=$out/libdjl_torch.so
[ -f "$so" ] || { echo "gpu-build-jni: no $so was produced" >&2; exit 1; }
# Every native method the header declares must be defined: a missing one fails only when DJL first calls it.
want=$(grep -o 'Java_ai_djl_pytorch_jni_PyTorchLibrary_[A-Za-z0-9_]*' "$hdr" | sort -u | wc -l)
have=$(nm -D --defined-only "$so" | grep -o 'Java_ai_djl_pytorch_jni_PyTorchLibrary_[A-Za-z0-9_]*' | sort -u | wc -l)
[ "$have" -ge "$want" ] || { echo "gpu-build-jni: $so defines $have of the header's $want JNI functions" >&2; exit 1; }
echo "gpu-build-jni: built $so ($(du -h "$so" | cut -f1), $have JNI functions)"
