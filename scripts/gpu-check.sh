#!/usr/bin/env bash
# make gpu-check (README "Ready for the first GPU"): runs the battery in device
# mode on this machine's GPU and prints, per probe, the verdict against the
# expectation for that GPU's architecture (the expected-verdict cells of the
# catalogue: sm_80, sm_86, sm_89, sm_90, sm_100, sm_120, sm_121; docs/probes.md),
# then a short summary meant to be pasted into an issue.
#
# Exit status: 0 every probe as expected; 1 at least one probe worse than
# expected (or another difference, listed); 77 no GPU here (one line, nothing
# built or run: the automake "skipped" code); 3 a GPU is listed by nvidia-smi
# but the tool could not use it (it ran offline), or python3 is missing; other
# codes are the tool's (README "Exit codes").
#
# Environment: BUILD_DIR (default build), GPU_CHECK_DIR (where report.json,
# summary.md and check.txt go; default gpu-check), SM121PROBE_ARGS (extra
# arguments for `sm121-probe run`, e.g. --device 1).
set -u
cd "$(dirname "$0")/.." || exit 3
BUILD_DIR=${BUILD_DIR:-build}
OUT=${GPU_CHECK_DIR:-gpu-check}

if ! listed=$(nvidia-smi -L 2>/dev/null) || ! grep -q '^GPU ' <<<"$listed"; then
  echo "gpu-check: no NVIDIA GPU here (nvidia-smi lists none): nothing to check, exit 77 (skipped)"
  exit 77
fi
if ! command -v python3 >/dev/null 2>&1; then
  echo "gpu-check: python3 is needed to compare verdicts with expectations" >&2
  exit 3
fi

echo "gpu-check: $(head -n1 <<<"$listed")"
make --no-print-directory build BUILD_DIR="$BUILD_DIR" >"$OUT.build.log" 2>&1 || {
  echo "gpu-check: the build failed, see $OUT.build.log" >&2
  exit 3
}
mkdir -p "$OUT"
# shellcheck disable=SC2086
"$BUILD_DIR/sm121-probe" run ${SM121PROBE_ARGS:-} --format markdown -o "$OUT/summary.md" --json "$OUT/report.json"
tool_rc=$?
[ -s "$OUT/report.json" ] || { echo "gpu-check: no report was written (sm121-probe exit $tool_rc)" >&2; exit "$tool_rc"; }

python3 - "$OUT/report.json" "$OUT/check.txt" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))
out = []
dev = r.get("device") or {}
if r.get("mode") != "device":
    print("gpu-check: sm121-probe ran OFFLINE although nvidia-smi lists a GPU: "
          + str((r.get("driver") or {}).get("error", "no driver")), file=sys.stderr)
    sys.exit(3)
arch = r.get("target", "?")
out.append(f"gpu-check: {dev.get('name', '?')} ({arch}), driver {(r.get('driver') or {}).get('version', '?')}")
rows, differ, no_expect = [], [], 0
for p in r["probes"]:
    exp = p.get("expected")
    if exp is None:
        mark, no_expect = "no expectation", no_expect + 1
    elif p.get("as_expected"):
        mark = "as expected"
    else:
        mark = "WORSE than expected" if p.get("worse_than_expected") else "differs"
        differ.append(p)
    rows.append(f"  {p['id']:<28} {p['verdict']:<11} expected {str(exp):<11} {mark}")
out += rows
out.append("")
out.append("Summary (paste into an issue):")
out.append(f"> sm121-probe gpu-check on {dev.get('name', '?')} ({arch}), driver "
           f"{(r.get('driver') or {}).get('version', '?')}, tool {(r.get('tool') or {}).get('version', '?')}: "
           f"{len(r['probes'])} probes, {len(r['probes']) - len(differ) - no_expect} as expected, "
           f"{len(differ)} different, {no_expect} without an expectation for {arch}.")
for p in differ:
    out.append(f"> - {p['id']}: {p['verdict']} (expected {p['expected']}): {p.get('reason', '')[:200]}")
for p in r["probes"]:
    for a in p.get("attempts", []):
        for n in a.get("notes", []):
            if p["id"].startswith("mma.precision.") or p["id"] == "smem.max":
                out.append(f"> - {p['id']}: {n}")
text = "\n".join(out)
print(text)
open(sys.argv[2], "w").write(text + "\n")
sys.exit(1 if any(p.get("worse_than_expected") for p in differ) else 0)
PY
check_rc=$?
echo "gpu-check: full report $OUT/report.json, forum/issue block $OUT/summary.md, this check $OUT/check.txt"
exit "$check_rc"
