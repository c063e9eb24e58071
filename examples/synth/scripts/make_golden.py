#!/usr/bin/env python3
"""Produce golden.json: the expected outputs of the synth model for every
inputs/input-*.txt, computed by the host build (host/, native gcc) of the
same model code the firmware runs.

    python3 examples/synth/scripts/make_golden.py [--build-dir DIR] [--output FILE]
"""
import argparse
import glob
import os
import subprocess
import sys
import tempfile

OUTPUT_SHAPE = [1, 10]


def build_host(example_dir, build_dir):
    subprocess.run(["make", "-s", "-C", os.path.join(example_dir, "host"), "BUILD_DIR=" + build_dir],
                   check=True)
    return os.path.join(build_dir, "synth_host")


def run_one(binary, path):
    with open(path, "rb") as f:
        data = f.read()
    proc = subprocess.run([binary], input=data, stdout=subprocess.PIPE, check=True)
    results = [line for line in proc.stdout.decode().splitlines() if line.startswith("#result:")]
    if len(results) != 1:
        sys.exit("%s: expected one #result line, got %d:\n%s" % (path, len(results), proc.stdout.decode()))
    values = results[0][len("#result:"):].split(":")[0].split(",")
    outputs = [int(v) for v in values]
    if len(outputs) != OUTPUT_SHAPE[0] * OUTPUT_SHAPE[1]:
        sys.exit("%s: expected %d outputs, got %d" % (path, OUTPUT_SHAPE[1], len(outputs)))
    return outputs


def render(outputs):
    """JSON with one line per input (compact arrays, stable key order)."""
    lines = [
        "{",
        '  "version": 1,',
        '  "model": "synth",',
        '  "output_shape": [%s],' % ", ".join(str(d) for d in OUTPUT_SHAPE),
        '  "outputs": {',
    ]
    names = sorted(outputs)
    for i, name in enumerate(names):
        sep = "," if i + 1 < len(names) else ""
        lines.append('    "%s": [%s]%s' % (name, ", ".join(str(v) for v in outputs[name]), sep))
    lines += ["  }", "}", ""]
    return "\n".join(lines)


def main():
    example_dir = os.path.abspath(os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--build-dir", help="where to build the host binary (default: a temporary directory)")
    ap.add_argument("--output", default=os.path.join(example_dir, "golden.json"))
    args = ap.parse_args()

    inputs = sorted(glob.glob(os.path.join(example_dir, "inputs", "input-*.txt")))
    if not inputs:
        sys.exit("no inputs/input-*.txt: run scripts/gen_inputs.py first")

    with tempfile.TemporaryDirectory(prefix="synth-host-") as tmp:
        binary = build_host(example_dir, os.path.abspath(args.build_dir or tmp))
        outputs = {os.path.basename(p): run_one(binary, p) for p in inputs}

    with open(args.output, "w", newline="\n") as f:
        f.write(render(outputs))
    classes = sorted({max(range(len(v)), key=v.__getitem__) for v in outputs.values()})
    print("wrote %s: %d inputs, top classes %s" % (args.output, len(outputs), classes))


if __name__ == "__main__":
    main()
