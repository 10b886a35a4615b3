# Sourced by bin/vlunet and the benchmark scripts (not run on its own).
#
# libtorch's CPU allocator takes every tensor from malloc and frees it when the step is done. glibc hands large
# blocks back to the kernel on free (mmap'd blocks, per-thread arenas, trimming), so every step faults its working
# set in again and the kernel zeroes it page by page: at 256x256 the paper network's forward spent a third of its
# time there. These glibc tunables keep freed memory in the process for the next step: one arena (large blocks from
# the heap, not mmap), no trimming, transparent huge pages where the kernel allows them. The price: a higher peak
# where freed blocks do not fit later requests (up to a third with 1024-pixel restore tiles), and the process does
# not shrink after a peak. docs/benchmarks/backbone.md and restore.md have the measurements.
#
# VLUNET_MALLOC=system keeps glibc's defaults. Settings already in GLIBC_TUNABLES come later and win.
# Other C libraries and operating systems ignore the variable.
vlunet_cpu_memory() {
  [ "${VLUNET_MALLOC:-reuse}" = system ] && return 0
  [ "$(uname -s 2>/dev/null)" = Linux ] || return 0
  local keep=glibc.malloc.arena_max=1:glibc.malloc.mmap_max=0:glibc.malloc.trim_threshold=68719476736:glibc.malloc.hugetlb=1
  export GLIBC_TUNABLES="$keep${GLIBC_TUNABLES:+:$GLIBC_TUNABLES}"
}
