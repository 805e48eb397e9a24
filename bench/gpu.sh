#!/usr/bin/env bash
# rnnfc's WebGPU training against PyTorch with cuDNN on an NVIDIA machine, in one self-contained run
# (such a machine may have no Node.js and no network).
#
#   bash bench/gpu.sh pack   here, after `npm run build`: writes bench/gpu-pack.tar.xz, a node
#                            binary, dist/, the bench scripts and the production node_modules for
#                            linux-x64 (the Vulkan loader too), small enough to carry (under 64 MiB)
#   bash bench/gpu.sh run    there: unpacks the pack into a temporary folder (or, without one, runs
#                            this checkout with the node on PATH) and reports, for the reference shape
#                            (2x64 LSTM, window 48, batch 64) and a large one (2x512 LSTM, window 96,
#                            batch 256): rnnfc --backend webgpu (bench/webgpu.js; the CPU kernels beside
#                            it on the reference shape) and PyTorch on CUDA (bench/torch_gpu_bench.py).
#                            Results as JSON lines on stdout and in $OUT/gpu-bench.jsonl when $OUT is
#                            set. Then WebGPU beside the CPU kernels for 2-layer LSTMs of 32 to 256 units
#                            (window 48, batch 64): where backend auto's line should lie. Each step has
#                            its own time limit; the whole run stays under 8 minutes.
#   GPU_BENCH_QUICK=1        small shapes (checks the plumbing in seconds, e.g. on a software adapter)
set -uo pipefail
here="$(cd "$(dirname "$0")/.." && pwd)"
pack="$here/bench/gpu-pack.tar.xz"

case "${1:-run}" in
pack)
  set -e
  [[ -f "$here/dist/gpu/trainer.js" ]] || { echo "gpu.sh: run npm run build first" >&2; exit 1; }
  stage="$(mktemp -d)"
  trap 'rm -rf "$stage"' EXIT
  mkdir -p "$stage/rnnfc/bench" "$stage/rnnfc/lib"
  cp "$(readlink -f "$(command -v node)")" "$stage/rnnfc/node"
  cp -r "$here/dist" "$here/package.json" "$stage/rnnfc/"
  cp "$here/bench/webgpu.js" "$here/bench/args.js" "$here/bench/torch_gpu_bench.py" "$here/bench/gpu.sh" "$stage/rnnfc/bench/"
  # the production dependencies the training path imports (not the plotting ones), linux-x64 only
  (cd "$here" && npm ls --omit=dev --all --parseable 2> /dev/null | tail -n +2 | sed "s|^$here/||" | grep -v -E '(^|/)node_modules/(vega|d3|topojson|delaunator|robust-predicates|json-stringify-pretty-compact|@types)' |
    while read -r p; do mkdir -p "$stage/rnnfc/$(dirname "$p")" && cp -r "$p" "$stage/rnnfc/$p"; done)
  rm -rf "$stage/rnnfc/node_modules/webgpu/dist/"{darwin-universal,linux-arm64,win32-arm64,win32-x64}
  # the Vulkan loader, for a machine that has the NVIDIA driver but not the loader; and the C++
  # runtime Dawn needs (GLIBCXX_3.4.30), for an older system
  for lib in /usr/lib/x86_64-linux-gnu/libvulkan.so.1; do [[ -e $lib ]] && cp -L "$lib" "$stage/rnnfc/lib/"; done
  mkdir -p "$stage/rnnfc/lib-cxx"
  cp -L /usr/lib/x86_64-linux-gnu/libstdc++.so.6 /usr/lib/x86_64-linux-gnu/libgcc_s.so.1 "$stage/rnnfc/lib-cxx/"
  tar -C "$stage" -cJf "$pack" rnnfc
  ls -l "$pack"
  ;;
run)
  out="${OUT:-}"
  if [[ -f "$pack" && ! -d "$here/node_modules/webgpu" ]]; then
    dir="$(mktemp -d)"
    tar -C "$dir" -xJf "$pack"
    root="$dir/rnnfc"
    node="$root/node"
    export LD_LIBRARY_PATH="$root/lib${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
    cxx="$(ldconfig -p 2> /dev/null | awk '/libstdc\+\+\.so\.6 .*x86-64/ {print $NF; exit}')"
    if [[ -z $cxx ]] || ! grep -q GLIBCXX_3.4.30 "$cxx"; then
      export LD_LIBRARY_PATH="$root/lib-cxx:$LD_LIBRARY_PATH"
      echo "# libstdc++: the pack's (the system's lacks GLIBCXX_3.4.30)"
    fi
  else
    root="$here"
    node="$(command -v node)"
  fi
  emit() {
    echo "$1"
    if [[ -n $out ]]; then echo "$1" >> "$out/gpu-bench.jsonl"; fi
  }
  echo "# $(date -u +%FT%TZ) $(uname -m); node $("$node" --version)"
  command -v nvidia-smi > /dev/null && nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv,noheader | sed 's/^/# gpu: /'
  # NVIDIA's Vulkan driver is libGLX_nvidia.so.0; where no ICD file names it (a container without the
  # graphics capability's files), point the loader at it
  if ! ls /usr/share/vulkan/icd.d/nvidia_icd*.json /etc/vulkan/icd.d/nvidia_icd*.json > /dev/null 2>&1 && ldconfig -p 2> /dev/null | grep -q libGLX_nvidia.so.0; then
    icd="$(mktemp --suffix=.json)"
    echo '{"file_format_version": "1.0.0", "ICD": {"library_path": "libGLX_nvidia.so.0", "api_version": "1.3"}}' > "$icd"
    export VK_DRIVER_FILES="$icd" VK_ICD_FILENAMES="$icd"
    echo "# vulkan: ICD file written for libGLX_nvidia.so.0"
  fi
  if [[ ${GPU_BENCH_QUICK:-0} == 1 ]]; then
    ref=(--layers 1 --units 16 --window 12 --batch 32 --samples 256 --epochs 1 --rounds 1)
    big=(--layers 1 --units 32 --window 16 --batch 64 --samples 256 --epochs 1 --rounds 1)
  else
    ref=(--layers 2 --units 64 --window 48 --batch 64 --samples 2048 --epochs 2 --rounds 3)
    big=(--layers 2 --units 512 --window 96 --batch 256 --samples 2048 --epochs 1 --rounds 2)
  fi
  for shape in ref big; do
    declare -n args="$shape"
    # the reference shape beside the CPU kernels; the large one with each kind of product kernel
    runs=("--products auto")
    [[ $shape == big ]] && runs=("--products plain --no-cpu" "--products tiled --no-cpu")
    for extra in "${runs[@]}"; do
      # shellcheck disable=SC2086
      r="$(cd "$root" && timeout 100 "$node" bench/webgpu.js "${args[@]}" $extra --json 2>&1 | grep '^{' | tail -1)"
      emit "{\"shape\": \"$shape\", \"rnnfc\": ${r:-null}}"
    done
    if command -v python3 > /dev/null && python3 -c 'import torch' 2> /dev/null; then
      t="$(timeout 60 python3 "$root/bench/torch_gpu_bench.py" "${args[@]}" 2>&1 | grep '^{' | tail -1)"
      emit "{\"shape\": \"$shape\", \"pytorch\": ${t:-null}}"
    else
      emit "{\"shape\": \"$shape\", \"pytorch\": null, \"why\": \"python3 with torch not found\"}"
    fi
  done
  # where backend auto's line should lie (gpu/auto.ts AUTO_WEBGPU_STEP_FLOPS): WebGPU beside the CPU
  # kernels as the model grows, 2 layers, window 48, batch 64 (20 MFLOP a step lies near 90 units)
  if [[ ${GPU_BENCH_QUICK:-0} == 1 ]]; then sizes=(8 16); else sizes=(32 64 128 256); fi
  for units in "${sizes[@]}"; do
    r="$(cd "$root" && timeout 15 "$node" bench/webgpu.js --layers 2 --units "$units" --window 48 --batch 64 --samples 1024 --epochs 1 --rounds 2 --json 2>&1 | grep '^{' | tail -1)"
    emit "{\"shape\": \"crossover\", \"units\": $units, \"rnnfc\": ${r:-null}}"
  done
  ;;
*)
  echo "usage: bash bench/gpu.sh pack|run" >&2
  exit 2
  ;;
esac
