#!/usr/bin/env bash
# plot_jobs_speedup.sh — the jobs benchmark's speedup against N, as an SVG.
#
#   bench/plot_jobs_speedup.sh [-o OUT.svg] RUN.jsonl [RUN.jsonl...]
#
# Reads the JSON lines agora-bench printed (`agora-bench --only jobs >
# RUN.jsonl`; other benchmarks' lines are ignored), one series per file,
# and draws speedup_nN against N (1 at N = 1, by definition) with the ideal
# line (N) and the DAS design's floor (0.7·N). Default output:
# docs/jobs_speedup.svg (a name ending in .png gives a PNG). Needs gnuplot (Debian's gnuplot-nox, installed by
# scripts/bootstrap.sh --bench).
set -euo pipefail

out=docs/jobs_speedup.svg
if [[ ${1:-} == -o ]]; then
  out=${2:?-o needs a file name}
  shift 2
fi
(($# > 0)) || { sed -n '3,12p' "$0" | sed 's/^# \{0,1\}//' >&2; exit 2; }
command -v gnuplot >/dev/null || { echo "plot_jobs_speedup: gnuplot is not installed (apt-get install gnuplot-nox)" >&2; exit 1; }

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# value FILE METRIC: the jobs benchmark's figure METRIC in FILE, or nothing.
value() {
  sed -n 's/.*"bench":"jobs","metric":"'"$2"'","value":\([-0-9.eE+]*\),.*/\1/p' "$1" | tail -n 1
}

plots=()
max_n=1
quota=
i=0
for file in "$@"; do
  i=$((i + 1))
  data=$tmp/run$i.dat
  echo "1 1" >"$data"
  for n in 2 3 4 5 6 7 8; do
    v=$(value "$file" "speedup_n$n")
    [[ -n $v ]] || continue
    echo "$n $v" >>"$data"
    ((n > max_n)) && max_n=$n
  done
  if (($(wc -l <"$data") < 2)); then
    echo "plot_jobs_speedup: no speedup figures of the jobs benchmark in $file" >&2
    exit 1
  fi
  eff=$(value "$file" efficiency_min)
  load=$(value "$file" load_average)
  [[ -n $quota ]] || quota=$(value "$file" quota_cpus)
  title="run $i: efficiency_min ${eff:-?}, load average ${load:-?}"
  plots+=("'$data' using 1:2 with linespoints lw 2 pt 7 ps 0.8 title '$title'")
done

quota_text=${quota:+ of ${quota} CPU each (cgroup quota)}
{
  if [[ $out == *.png ]]; then
    echo "set terminal png noenhanced size 720,480 font 'sans,11' background '#ffffff'"
  else
    echo "set terminal svg noenhanced size 720,480 dynamic font 'sans,12' background '#ffffff'"
  fi
  echo "set output '$out'"
  echo "set title 'agora-node jobs: a CPU-bound Python job on N nodes${quota_text}'"
  echo "set xlabel 'nodes N'"
  echo "set ylabel 'speedup (time on 1 node / time on N)'"
  echo "set xrange [1:$max_n]"
  echo "set yrange [0:$((max_n + 0))]"
  echo "set xtics 1"
  echo "set ytics 1"
  echo "set grid"
  echo "set key top left"
  plot="plot x with lines dt 2 lw 1.5 lc rgb '#444444' title 'ideal: N', \\
     0.7*x with lines dt 3 lw 1.5 lc rgb '#cc3333' title 'DAS design floor: 0.7 N'"
  for p in "${plots[@]}"; do plot+=", \\
     $p"; done
  echo "$plot"
} >"$tmp/plot.gp"
gnuplot "$tmp/plot.gp"
echo "plot_jobs_speedup: wrote $out" >&2
