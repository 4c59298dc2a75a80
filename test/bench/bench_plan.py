#!/usr/bin/env python3
"""The automatic plan against LLaVA practice, measured (standard library).

  bench_plan.py [--bin build/bin] [--mpirun mpirun] [--examples tiny-vlm,tiny-valm]
                [--ranks 2,4] [--micro-batches 4] [--steps 30] [--rounds 2]

For each shipped example (frozen encoders, as shipped): the kernels are
calibrated (`starchc --calibrate`, one thread as a rank runs) and the
calibration is completed by profiled one-process runs of the example at 1
and at --micro-batches micro-batches: the measured slope over the
predicted one becomes `program_scale` (what the whole program takes beyond
its kernels), the rest `step_overhead_s` (its cost per step). Then for each rank budget the
planner (parallel.plan "auto") chooses a plan and reports its families;
this script compiles the chosen plan and the best plan of the
"llava" family (every encoder on the LLM's first stage, an even LLM split)
as explicit model.json plans, runs both under mpirun on the example's data
(one thread per rank, alternating, `--rounds` times, the fastest kept) and
prints the measured step times, their ratio, and predicted against
measured. Nothing is asserted: the figures go to the issue notes.
"""
import argparse
import json
import os
import re
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
EXAMPLES = os.path.join(HERE, "..", "..", "docs", "examples")


def run(command, env=None):
    result = subprocess.run(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                            text=True, env=env)
    if result.returncode != 0:
        sys.exit("$ " + " ".join(command) + "\n" + result.stdout)
    return result.stdout


def base_config(example, steps, micro_batches):
    folder = os.path.join(EXAMPLES, example)
    config = json.load(open(os.path.join(folder, "model.json")))

    def absolute(path):
        return os.path.normpath(os.path.join(folder, path))
    for module in [config["llm"]] + config.get("encoders", []):
        for key in ("onnx", "weights"):
            if key in module:
                module[key] = absolute(module[key])
        if "projector" in module and "weights" in module["projector"]:
            module["projector"]["weights"] = absolute(module["projector"]["weights"])
    config["data"]["manifest"] = absolute(config["data"]["manifest"])
    config["training"].update(steps=steps, micro_batches=micro_batches)
    return config


def explicit(config, plan, ranks):
    """model.json with `plan` (a family's or the chosen one) as the modules'
    own parallel fields."""
    config = json.loads(json.dumps(config))
    config["parallel"] = {"ranks": ranks, "layout": plan["layout"]}
    config["training"]["micro_batches"] = plan["micro_batches"]
    modules = {m["name"]: m for m in plan["modules"]}
    for module in config.get("encoders", []):
        picked = modules[module["name"]]
        module["parallel"] = {"tp": picked["tp"], "stages": picked["stages"]}
        if picked["stages"] > 0:
            module["parallel"]["layers"] = picked["layers"]
    llm = modules["llm"]
    config["llm"]["parallel"] = {"tp": llm["tp"], "stages": llm["stages"], "layers": llm["layers"]}
    return config


def describe(plan):
    parts = []
    for m in plan["modules"]:
        where = "on llm" if m["stages"] == 0 else "|".join(map(str, m["layers"]))
        parts.append(f"{m['name']}[{where}]" + (f"x{m['tp']}" if m["tp"] > 1 else ""))
    return f"{plan['layout'][:8]} dp{plan['dp']} mb{plan['micro_batches']} " + " ".join(parts)


def step_ms(output):
    match = re.search(r"\|\s*([0-9.]+) ms/step", output)
    if not match:
        sys.exit("no ms/step in:\n" + output)
    return float(match.group(1))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--bin", default=os.path.join(HERE, "..", "..", "build", "bin"))
    ap.add_argument("--mpirun", default="mpirun")
    ap.add_argument("--examples", default="tiny-vlm,tiny-valm")
    ap.add_argument("--ranks", default="2,4")
    ap.add_argument("--micro-batches", type=int, default=4)
    ap.add_argument("--steps", type=int, default=30)
    ap.add_argument("--rounds", type=int, default=2)
    args = ap.parse_args()
    starchc = os.path.join(args.bin, "starchc")
    env = dict(os.environ, OMPI_ALLOW_RUN_AS_ROOT="1", OMPI_ALLOW_RUN_AS_ROOT_CONFIRM="1",
               OMP_NUM_THREADS="1", OPENBLAS_NUM_THREADS="1")
    rows = []
    with tempfile.TemporaryDirectory() as work:
        calibration = os.path.join(work, "calibration.json")
        print(run([starchc, "--calibrate", "-o", calibration], env=env), end="")
        for example in args.examples.split(","):
            config = base_config(example, args.steps, args.micro_batches)
            data = os.path.join(work, example + "-data")
            path = os.path.join(work, example + ".json")
            json.dump(config, open(path, "w"))
            run([os.path.join(args.bin, "starch-data"), path, "-o", data])
            # Profile: one process at 1 and at M micro-batches, the planner's
            # predictions against the runs: the slope is the work per
            # micro-batch (program_scale), the rest a cost per step.
            predicted, measured = {}, {}
            for micro in (1, args.micro_batches):
                one = json.loads(json.dumps(config))
                one["training"]["micro_batches"] = micro
                one["parallel"] = {"plan": "auto", "ranks": 1, "calibration": calibration}
                path = os.path.join(work, f"{example}-1x{micro}-auto.json")
                json.dump(one, open(path, "w"))
                run([starchc, path, "--emit=plan", "-o", path + ".plan"])
                predicted[micro] = json.load(open(path + ".plan"))["chosen"]["step_s"] * 1e3
                binary = os.path.join(work, f"{example}-1x{micro}")
                run([starchc, path, "-o", binary])
                measured[micro] = min(step_ms(run([binary, "--data", data, "--log-every",
                                                   "1000"], env=env))
                                      for _ in range(args.rounds))
            m = args.micro_batches
            scale = ((measured[m] - measured[1]) / (predicted[m] - predicted[1])
                     if m > 1 else measured[1] / predicted[1])
            profiled = json.load(open(calibration))
            profiled["program_scale"] = scale
            profiled["step_overhead_s"] = max(0.0, measured[1] - scale * predicted[1]) / 1e3
            example_calibration = os.path.join(work, f"{example}-calibration.json")
            json.dump(profiled, open(example_calibration, "w"), indent=2)
            print(f"{example}: one process {measured[1]:.3f} / {measured[m]:.3f} ms per step at "
                  f"1 / {m} micro-batches, kernels predict {predicted[1]:.3f} / "
                  f"{predicted[m]:.3f}: program_scale {scale:.2f}, step_overhead_s "
                  f"{profiled['step_overhead_s']:.5f}")
            for ranks in map(int, args.ranks.split(",")):
                auto = json.loads(json.dumps(config))
                auto["parallel"] = {"plan": "auto", "ranks": ranks,
                                    "calibration": example_calibration}
                path = os.path.join(work, f"{example}-{ranks}-auto.json")
                json.dump(auto, open(path, "w"))
                plan_path = path + ".plan"
                print(run([starchc, path, "--emit=plan", "-o", plan_path]), end="")
                report = json.load(open(plan_path))
                llava = next(f["plan"] for f in report["families"] if f["family"] == "llava")
                plans = {"chosen": report["chosen"], "llava": llava}
                binaries = {}
                for name, plan in plans.items():
                    model = os.path.join(work, f"{example}-{ranks}-{name}.json")
                    json.dump(explicit(config, plan, ranks), open(model, "w"))
                    binaries[name] = os.path.join(work, f"{example}-{ranks}-{name}")
                    run([starchc, model, "-o", binaries[name]])
                measured = {name: float("inf") for name in plans}
                for _ in range(args.rounds):
                    for name in plans:
                        output = run([args.mpirun, "--oversubscribe", "-np", str(ranks),
                                      binaries[name], "--data", data, "--log-every", "1000"],
                                     env=env)
                        measured[name] = min(measured[name], step_ms(output))
                rows.append((example, ranks, plans, measured))
    print()
    print("example    ranks  plan    predicted ms  measured ms  measured/predicted  layout")
    for example, ranks, plans, measured in rows:
        for name, plan in plans.items():
            predicted = plan["step_s"] * 1e3
            print(f"{example:10} {ranks:5}  {name:7} {predicted:12.3f} {measured[name]:12.3f} "
                  f"{measured[name] / predicted:19.2f}  {describe(plan)}")
        print(f"{'':10} {'':5}  llava/chosen: predicted "
              f"{plans['llava']['step_s'] / plans['chosen']['step_s']:.2f}, measured "
              f"{measured['llava'] / measured['chosen']:.2f}")


if __name__ == "__main__":
    main()
