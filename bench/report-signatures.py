#!/usr/bin/env python3
"""Runs every scenario in conf/scenarios with one build and prints, per scenario, the set of report
signatures seen over several seeds: the tasks, the system-call results, the ledger (object, type,
event, function, holder), the reparentings, the signals and the violations -- everything but seq
numbers, event counts, CPUs and call paths, which a refactoring may legitimately change.

  bench/report-signatures.py --jar-dir target --seeds 1,2,3 > after.json
  bench/report-signatures.py --compare before.json after.json

The comparison exits 1 if a deterministic scenario changed or a racy one produced an outcome the
other build never did in the same seeds (a racy scenario's outcome may differ run to run; compare
with several seeds)."""
import argparse, glob, hashlib, json, os, subprocess, sys, tempfile


def signature(rep):
    tasks = sorted((t["pid"] or 0, t["ppid"], t["comm"], t["state"], t.get("exit_code"), t.get("exit_signal"))
                   for t in rep["tasks"])
    results = [(r["pid"], r["comm"], r["step"], r["op"], r["ret"], r["errno"],
                json.dumps(r.get("status"), sort_keys=True), json.dumps(r.get("siginfo"), sort_keys=True))
               for r in sorted(rep["results"], key=lambda r: (r["pid"] or 0, r["start"] or 0, r["seq"] or 1 << 62))]
    ledger = sorted((l["object"], l["type"], l["event"], l["function"], l.get("holder") or "")
                    for l in rep["ledger"])
    reparent = sorted(json.dumps({k: v for k, v in r.items() if k != "seq"}, sort_keys=True)
                      for r in rep["reparent"])
    signals = sorted(json.dumps({k: v for k, v in r.items() if k != "seq"}, sort_keys=True)
                     for r in rep["signals"])
    violations = sorted(json.dumps({k: v for k, v in r.items() if k not in ("seq", "path", "cpu")},
                                   sort_keys=True) for r in rep["violations"])
    return {"outcome": rep["outcome"], "tasks": tasks, "results": results, "ledger": ledger,
            "reparent": reparent, "signals": signals, "violations": violations}


def digest(sig):
    return hashlib.sha256(json.dumps(sig, sort_keys=True).encode()).hexdigest()[:16]


def collect(jar_dir, seeds, scenarios):
    cp = os.path.join(jar_dir, "kmodel-0.1.0.jar") + ":" + os.path.join(jar_dir, "lib", "*")
    out = {}
    for sc in scenarios:
        name = os.path.basename(sc)[:-5]
        sigs = {}
        for seed in seeds:
            with tempfile.NamedTemporaryFile(suffix=".json") as f:
                subprocess.run(["java", "-Xss4m", "-cp", cp, "dev.kmodel.cli.Main", "run", sc, "--seed", str(seed),
                                "--report", f.name], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
                try:
                    rep = json.load(open(f.name))
                except Exception:
                    sigs.setdefault("no-report", {"outcome": "no report"})
                    continue
            s = signature(rep)
            sigs[digest(s)] = s
        out[name] = sigs
        print(f"{name}: {len(sigs)} distinct", file=sys.stderr)
    return out


def compare(a, b):
    bad = 0
    for name in sorted(set(a) | set(b)):
        sa, sb = set(a.get(name, {})), set(b.get(name, {}))
        if sa == sb:
            print(f"same      {name} ({len(sa)} outcome{'s' if len(sa) != 1 else ''})")
            continue
        racy = len(sa) > 1 or len(sb) > 1
        only_b = sb - sa
        print(f"{'racy' if racy else 'CHANGED'}  {name}: {len(sa)} before, {len(sb)} after, {len(only_b)} new")
        if not racy or only_b:
            for d in only_b:
                new = b[name][d]
                old = next(iter(a[name].values())) if a.get(name) else {}
                for k in new:
                    if old.get(k) != new[k]:
                        print(f"    {k}: before {json.dumps(old.get(k))[:400]}\n    {k}: after  {json.dumps(new[k])[:400]}")
            bad += 0 if racy and not only_b else 1
    return bad


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--jar-dir", default="target")
    p.add_argument("--seeds", default="1,2,3")
    p.add_argument("--compare", nargs=2)
    p.add_argument("scenarios", nargs="*")
    a = p.parse_args()
    if a.compare:
        bad = compare(json.load(open(a.compare[0])), json.load(open(a.compare[1])))
        sys.exit(1 if bad else 0)
    scenarios = a.scenarios or sorted(glob.glob("conf/scenarios/*.conf"))
    json.dump(collect(a.jar_dir, [int(s) for s in a.seeds.split(",")], scenarios), sys.stdout, indent=1)


if __name__ == "__main__":
    main()
