#!/usr/bin/env python3
"""check_plan_report.py PLAN.json: an automatic plan (starchc --emit=plan
with parallel.plan "auto") is consistent: the placement printed is the
chosen plan (layout, replicas, micro-batches, every module's tp and stages
with their layer counts), and by the planner's own figures the chosen plan
is no slower than the best plan of any family it reports. Prints one line
per family."""
import json
import sys

plan = json.load(open(sys.argv[1]))
chosen = plan["chosen"]
errors = []
if plan["layout"] != chosen["layout"] or plan["dp"] != chosen["dp"]:
    errors.append("layout or dp differ from the chosen plan")
if plan["micro_batches"] != chosen["micro_batches"]:
    errors.append("micro-batches differ from the chosen plan")
if abs(plan["predicted"]["step_s"] - chosen["step_s"]) > 1e-12:
    errors.append("predicted step differs from the chosen plan's")
for placed, picked in zip(plan["modules"], chosen["modules"]):
    if placed["name"] != picked["name"] or placed["tp"] != picked["tp"]:
        errors.append(f"module {placed['name']}: tp differs")
    if len(placed["stages"]) != picked["stages"]:
        errors.append(f"module {placed['name']}: stage count differs")
    counts = [len(stage["layers"]) for stage in placed["stages"]]
    if picked["stages"] > 1 and counts[1:] != picked["layers"][1:]:
        errors.append(f"module {placed['name']}: layers {counts} vs {picked['layers']}")
for family in plan["families"]:
    best = family["plan"]
    if best is None:
        print(f"{family['family']}: none fits")
        continue
    if chosen["step_s"] > best["step_s"]:
        errors.append(f"chosen {chosen['step_s']} s is slower than {family['family']} "
                      f"{best['step_s']} s")
    print(f"{family['family']}: {best['step_s']} s >= chosen {chosen['step_s']} s")
if errors:
    sys.exit("\n".join(errors))
print(f"consistent: {len(plan['families'])} families, {plan['plans_costed']} plans costed")
