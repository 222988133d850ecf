#!/usr/bin/env bash
# Builds the libFuzzer targets of tests/fuzz/ into build/fuzz/ and runs each
# for a bounded time: scripts/fuzz.sh [SECONDS_PER_TARGET] (default 60).
#
# Every target is compiled straight from the sources (no configure/make
# output needed) with clang -fsanitize=fuzzer,address,undefined. Corpora
# persist in build/fuzz/corpus/<name>/, seeded from tests/fuzz/seeds/<name>/
# (with tests/fuzz/<name>.dict as libFuzzer dictionary when present);
# crash/leak/timeout inputs land in build/fuzz/crashes/<name>/, each with a
# minimised copy (min-*) when libFuzzer can shrink it; logs in
# build/fuzz/logs/. Prints one line per target and exits non-zero if any
# target failed to build or crashed.
#
# Environment: CC (default clang), FUZZ_TARGETS (space-separated subset of
# the names below), FUZZ_MINIMIZE_SECS (default 30, 0 to skip minimising).
set -uo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
secs=${1:-60}
case $secs in '' | *[!0-9]*) echo "usage: $0 [SECONDS_PER_TARGET]" >&2; exit 2 ;; esac
cc=${CC:-clang}
minimize_secs=${FUZZ_MINIMIZE_SECS:-30}
out=$top/build/fuzz
cd "$top" || exit 2

# name -> project sources linked into fuzz_<name> (besides tests/fuzz/fuzz_<name>.c).
# json_body #includes http/containers.c itself (to reach its static parser).
declare -A srcs=(
	[pm_set_parse]="portmap/ranges.c portmap/blocks.c common/err.c"
	[pm_resources_parse]="portmap/resources.c portmap/ranges.c common/err.c"
	[bytes]="portmap/bytes.c common/err.c"
	[iso_flags_load]="isolator/flags.c portmap/bytes.c common/err.c common/log.c"
	[procnet]="isolator/procnet.c"
	[json_body]="portmap/ranges.c portmap/bytes.c common/err.c"
	[prom_escape]="http/metrics.c common/err.c"
)
declare -A needs_jansson=([json_body]=1)
# Inputs longer than libFuzzer's default 4096 bytes reach more code here
# (the 4095-byte cap on "ports" text).
declare -A max_len=([json_body]=8192)
order="pm_set_parse pm_resources_parse bytes iso_flags_load procnet json_body prom_escape"
targets=${FUZZ_TARGETS:-$order}

# shellcheck disable=SC2054 # commas belong to -fsanitize=
cflags=(-g -O1 -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all
	-std=gnu11 -Wall -Wextra -I"$top" -D_GNU_SOURCE -DPACKAGE_VERSION='"fuzz"')
jansson_cflags=$(pkg-config --cflags jansson 2>/dev/null) || jansson_cflags=
jansson_libs=$(pkg-config --libs jansson 2>/dev/null) || jansson_libs=-ljansson

mkdir -p "$out/logs"

# Fail early, with the fix, when the toolchain cannot link a fuzzer.
probe=$out/probe
printf '#include <stddef.h>\n#include <stdint.h>\nint LLVMFuzzerTestOneInput(const uint8_t *d, size_t n) { (void)d; (void)n; return 0; }\n' >"$probe.c"
if ! "$cc" -fsanitize=fuzzer,address,undefined "$probe.c" -o "$probe" 2>"$probe.log"; then
	echo "error: $cc cannot link -fsanitize=fuzzer (see $probe.log)." >&2
	echo "       Debian/Ubuntu: apt-get install -y clang libclang-rt-14-dev (or CC=clang-NN)" >&2
	exit 2
fi
rm -f "$probe" "$probe.c" "$probe.log"

status=0
build_failed=""
for name in $targets; do
	[ -n "${srcs[$name]+x}" ] || { echo "error: unknown target '$name'" >&2; exit 2; }
	extra_c="" extra_l=""
	if [ -n "${needs_jansson[$name]:-}" ]; then
		extra_c=$jansson_cflags extra_l=$jansson_libs
	fi
	# shellcheck disable=SC2086
	if ! "$cc" "${cflags[@]}" $extra_c "tests/fuzz/fuzz_$name.c" ${srcs[$name]} \
		$extra_l -o "$out/fuzz_$name" >"$out/logs/$name.build.log" 2>&1; then
		echo "error: building fuzz_$name failed:" >&2
		cat "$out/logs/$name.build.log" >&2
		build_failed="$build_failed $name"
		status=1
	fi
done

hex() { od -An -v -tx1 "$1" | tr -d ' \n'; }

printf '%-20s %10s %8s %6s %6s %8s  %s\n' target execs exec/s cov ft corpus crashes
for name in $targets; do
	case " $build_failed " in *" $name "*)
		printf '%-20s %s\n' "$name" "BUILD FAILED"; continue ;;
	esac
	corpus=$out/corpus/$name crashes=$out/crashes/$name log=$out/logs/$name.log
	mkdir -p "$corpus" "$crashes"
	[ -d "tests/fuzz/seeds/$name" ] && cp -n "tests/fuzz/seeds/$name"/* "$corpus"/ 2>/dev/null
	stamp=$out/logs/$name.stamp
	: >"$stamp"
	sleep 1	# artifacts of this run are strictly newer than the stamp
	opts=()
	[ -f "tests/fuzz/$name.dict" ] && opts+=(-dict="tests/fuzz/$name.dict")
	[ -n "${max_len[$name]:-}" ] && opts+=(-max_len="${max_len[$name]}")
	"$out/fuzz_$name" "$corpus" -max_total_time="$secs" -print_final_stats=1 \
		-timeout=10 -rss_limit_mb=2048 -artifact_prefix="$crashes/" "${opts[@]}" \
		>"$log" 2>&1
	rc=$?

	execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
	rate=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log" | tail -1)
	cov=$(grep -o 'cov: [0-9]*' "$log" | tail -1 | cut -d' ' -f2)
	ft=$(grep -o 'ft: [0-9]*' "$log" | tail -1 | cut -d' ' -f2)
	ncorpus=$(find "$corpus" -type f | wc -l)
	mapfile -t new < <(find "$crashes" -maxdepth 1 -type f -newer "$stamp" \
		\( -name 'crash-*' -o -name 'leak-*' -o -name 'timeout-*' -o -name 'oom-*' \
		-o -name 'slow-unit-*' \) | sort)
	ncrash=0
	for f in "${new[@]}"; do
		case ${f##*/} in slow-unit-*) continue ;; esac
		ncrash=$((ncrash + 1))
	done
	if [ "$rc" -ne 0 ] && [ "$ncrash" -eq 0 ]; then
		ncrash="?"	# died without an artifact (e.g. build/linker issue)
	fi
	printf '%-20s %10s %8s %6s %6s %8s  %s\n' "$name" "${execs:--}" "${rate:--}" \
		"${cov:--}" "${ft:--}" "$ncorpus" "$ncrash"
	[ "$rc" -ne 0 ] || [ "$ncrash" != 0 ] || continue
	status=1
	grep -m1 -E '^(==[0-9]+==ERROR|SUMMARY|.*runtime error|.*invariant violated)' "$log" |
		sed 's/^/    /'
	for f in "${new[@]}"; do
		case ${f##*/} in slow-unit-*) continue ;; esac
		min=$crashes/min-${f##*/}
		if [ "$minimize_secs" -gt 0 ] && [ ! -e "$min" ]; then
			"$out/fuzz_$name" "$f" -minimize_crash=1 -max_total_time="$minimize_secs" \
				-timeout=10 -exact_artifact_path="$min" >"$out/logs/$name.minimize.log" 2>&1
		fi
		[ -s "$min" ] || min=$f
		echo "    input: $f"
		echo "    minimised ($(wc -c <"$min") bytes): $min"
		[ "$(wc -c <"$min")" -le 256 ] && echo "    hex: $(hex "$min")"
		echo "    reproduce: $out/fuzz_$name $min"
	done
	echo "    log: $log"
done
exit $status
