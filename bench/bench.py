#!/usr/bin/env python3
"""s3prune benchmark harness (run it through scripts/bench.sh).

For each case (a bucket of D deployments x O objects) it:
  1. seeds the bucket once into a data dir with the embedded server, latency off
     (`s3prune-bench seed`), and copies that dir (cp -a) for every run that mutates it;
  2. serves it from a separate process with an injected latency per request
     (`s3prune-bench serve --latency-ms 30`): every request costs a network round trip;
  3. times listing + per-deployment aggregation (`s3prune plan --format json` vs the
     contenders), all on one server start, contenders alternating round by round;
  4. times deleting all but the newest K deployments, every run on a fresh copy of the
     seeded bucket and a fresh server, contenders alternating; verifies what is left;
  5. records s3prune's peak RSS (wait4 rusage of the process);
  6. measures the server's ceiling with a raw concurrent request loop (`s3prune-bench
     ceiling`), and the TUI render path (`s3prune-bench tui`);
and prints Markdown tables (also written to <out>/results.md, raw data to results.json).

Contenders that are not installed are skipped (and listed as such). On the large case,
a contender whose small-case median extrapolates (by object count) past
--max-estimate seconds per run is not run; the table shows the extrapolation instead.
"""
import argparse
import contextlib
import json
import os
import select
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BUCKET = os.environ.get("BENCH_BUCKET", "bench")
ACCESS_KEY, SECRET_KEY, REGION = "s3prune", "s3prune-secret", "us-east-1"


def log(msg):
    print(f"[bench {time.strftime('%H:%M:%S')}] {msg}", file=sys.stderr, flush=True)


class Failed(Exception):
    pass


# --------------------------------------------------------------------------- processes

class Server:
    """`s3prune-bench serve` in its own process group."""

    def __init__(self, tool, data_dir, port, latency_ms, logfile):
        self.args = [tool, "serve", "--port", str(port), "--data-dir", str(data_dir), "--latency-ms", str(latency_ms),
                     "--stats-port", str(stats_port(port))]
        self.logfile = logfile
        self.proc = None
        self.endpoint = f"http://127.0.0.1:{port}"

    def __enter__(self):
        # Loading a large data dir takes a while; bounded wait for the READY line.
        self.proc = start_until_ready(self.args, self.logfile, 900, "server")
        return self

    def __exit__(self, *exc):
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=60)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        return False


def stats_port(port):
    """The port where a server started on `port` (or its proxy) answers its request count."""
    return port + 2


def requests_served(port):
    """HTTP requests the server (or proxy) serving on `port` has received so far."""
    with socket.create_connection(("127.0.0.1", stats_port(port)), timeout=10) as conn:
        return int(conn.makefile().readline())


def start_until_ready(args, logfile, timeout, what):
    """Starts args in its own process group and waits for the `READY <url>` line it prints."""
    err = open(logfile, "a")
    proc = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=err, text=True, start_new_session=True)
    err.close()
    ready, _, _ = select.select([proc.stdout], [], [], timeout)
    line = proc.stdout.readline() if ready else ""
    if not line.startswith("READY"):
        if proc.poll() is None:
            proc.kill()
        proc.wait()
        raise Failed(f"{what} did not start: {line!r} (see {logfile})")
    return proc


GNU_TIME = "/usr/bin/time" if os.access("/usr/bin/time", os.X_OK) else None


def run_timed(cmd, env, out_path, timeout, shell=False):
    """Runs cmd with stdout to out_path; returns (seconds, peak RSS in MiB, exit code, stderr tail).

    Peak RSS comes from GNU time (`%M`) wrapped around the command: the rusage of a child
    forked straight from this Python process would count the pages it shared with Python
    before exec (~17 MiB), which would hide a small RSS. Without /usr/bin/time, that
    wait4 figure (an upper bound) is used. The wall time includes GNU time's few ms.
    """
    rss_file = str(out_path) + ".rss"
    if shell:
        cmd = ["/bin/bash", "-c", cmd]
    if GNU_TIME:
        cmd = [GNU_TIME, "-f", "%M", "-o", rss_file] + cmd
    with open(out_path, "w") as out, open(str(out_path) + ".err", "w") as err:
        t0 = time.perf_counter()
        proc = subprocess.Popen(cmd, stdout=out, stderr=err, env=env, start_new_session=True)
        deadline = t0 + timeout
        while True:
            pid, status, usage = os.wait4(proc.pid, os.WNOHANG)
            if pid:
                break
            if time.perf_counter() > deadline:
                os.killpg(proc.pid, signal.SIGKILL)
                pid, status, usage = os.wait4(proc.pid, 0)
                break
            time.sleep(0.002)
        seconds = time.perf_counter() - t0
        proc.returncode = os.waitstatus_to_exitcode(status)
    err_tail = Path(str(out_path) + ".err").read_text(errors="replace")[-2000:]
    rss_kib = usage.ru_maxrss
    if GNU_TIME:
        try:
            rss_kib = int(Path(rss_file).read_text().split()[-1])
        except (OSError, ValueError, IndexError):
            pass
    return seconds, rss_kib / 1024.0, proc.returncode, err_tail


# --------------------------------------------------------------------------- servers

class Embedded:
    """s3prune's embedded server in its own process; each fresh bucket is a copy of a seeded data dir."""
    name, title = "embedded", "s3prune's embedded S3 server in its own process"

    def __init__(self, t, args, ctx):
        self.t, self.args, self.ctx = t, args, ctx
        self.endpoint = f"http://127.0.0.1:{args.port}"
        self.port = args.port

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False

    def prepare(self, case):
        self.seed_dir = seed(self.t, case, self.args)

    @contextlib.contextmanager
    def serving(self, case, purpose):
        run_dir = self.ctx["work"] / f"{purpose}-data"
        fresh_copy(self.seed_dir, run_dir)
        with Server(self.t["bench"], run_dir, self.args.port, self.ctx["latency"], self.ctx["work"] / "server.log"):
            yield


class LocalStack:
    """LocalStack (scripts/localstack.sh) behind `s3prune-bench proxy`, which adds the latency.

    Every fresh bucket is emptied and seeded again through LocalStack's own port (no latency),
    oldest deployment first: LocalStack dates objects by upload time, not by a backdating header.
    """
    name, title = "localstack", "LocalStack (S3, pip-installed, no Docker) behind a TCP proxy"
    script = ROOT / "scripts" / "localstack.sh"

    def __init__(self, t, args, ctx):
        self.t, self.args, self.ctx = t, args, ctx
        self.direct = f"http://127.0.0.1:{os.environ.get('S3PRUNE_LOCALSTACK_PORT', '4566')}"
        self.endpoint = f"http://127.0.0.1:{args.port + 1}"
        self.port = args.port + 1
        self.started_localstack, self.proxy = False, None

    @staticmethod
    def running():
        """A LocalStack already serving S3 on the port (started by someone else) is used as is."""
        port = os.environ.get("S3PRUNE_LOCALSTACK_PORT", "4566")
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/_localstack/health", timeout=3) as r:
                return json.load(r).get("services", {}).get("s3") in ("available", "running")
        except (OSError, ValueError):
            return False

    @staticmethod
    def installed():
        if LocalStack.running():
            return True
        venv = Path(os.environ.get("S3PRUNE_VENV", ROOT / ".venv"))
        py = venv / "bin" / "python"
        return py.exists() and subprocess.run([str(py), "-c", "import localstack.runtime.main"],
                                              capture_output=True).returncode == 0

    def __enter__(self):
        if not self.running() and subprocess.run([str(self.script), "status"], capture_output=True).returncode != 0:
            log("starting LocalStack (scripts/localstack.sh start)")
            subprocess.run([str(self.script), "start"], check=True)
            self.started_localstack = True
        port = self.endpoint.rsplit(":", 1)[1]
        try:
            self.proxy = start_until_ready(
                [self.t["bench"], "proxy", "--port", port, "--upstream", self.direct.removeprefix("http://"),
                 "--latency-ms", str(self.ctx["latency"]), "--stats-port", str(stats_port(int(port)))],
                self.ctx["work"] / "proxy.log", 30, "latency proxy")
        except Failed:
            self.__exit__(None, None, None)
            raise
        return self

    def __exit__(self, *exc):
        if self.proxy and self.proxy.poll() is None:
            self.proxy.terminate()
            self.proxy.wait()
        if self.started_localstack:
            subprocess.run([str(self.script), "stop"], capture_output=True)
        return False

    def prepare(self, case):
        pass

    @contextlib.contextmanager
    def serving(self, case, purpose):
        out = subprocess.run([self.t["bench"], "seed", "--endpoint", self.direct, "--bucket", BUCKET,
                              "--deployments", str(case["deployments"]), "--objects", str(case["objects"]),
                              "--concurrency", "16"] + folder_args(case), capture_output=True, text=True)
        if out.returncode != 0:
            raise Failed(f"seeding LocalStack failed: {out.stderr[-2000:]}")
        log(f"  {out.stdout.strip()}")
        yield


# --------------------------------------------------------------------------- contenders

class Contender:
    def __init__(self, name, kind, build, verify, slow=False, is_s3prune=False, needs_doomed=False):
        self.name, self.kind, self.build, self.verify = name, kind, build, verify
        self.slow, self.is_s3prune, self.needs_doomed = slow, is_s3prune, needs_doomed


def which(path_or_name):
    if path_or_name and os.path.sep in str(path_or_name):
        return str(path_or_name) if os.access(path_or_name, os.X_OK) else None
    return shutil.which(path_or_name) if path_or_name else None


def count_lines(path, prefix=None):
    n = 0
    with open(path, errors="replace") as f:
        for line in f:
            if prefix is None or line.lstrip().startswith(prefix):
                n += 1
    return n


def make_contenders(t, ctx):
    """Returns (listing contenders, deletion contenders, skipped names)."""
    listing, deletion, skipped = [], [], []
    s3p = t["s3prune"]

    def split_env(extra):
        """`VAR=value` tokens of a --variant run s3prune under `env`; the rest are flags."""
        envs = [a for a in extra if "=" in a and not a.startswith("-")]
        return (["env"] + envs if envs else []), [a for a in extra if a not in envs]

    def s3prune_plan(extra, name):
        prefix, extra = split_env(extra)

        def build(case, work):
            return prefix + [s3p, "plan", "--bucket", BUCKET, "--keep", str(case["keep"]), "--format", "json",
                    "--endpoint-url", ctx["endpoint"]] + extra, False

        def verify(case, out):
            plan = json.loads(Path(out).read_text())
            got = (plan["summary"]["deployments"], sum(d["objects"] for d in plan["deployments"]))
            want = (case["deployments"], case["deployments"] * case["objects"])
            if got != want:
                raise Failed(f"{name}: listed {got}, expected {want}")
        return Contender(name, "list", build, verify, is_s3prune=True)

    def s3prune_prune(extra, name):
        prefix, extra = split_env(extra)

        def build(case, work):
            # A fresh audit log per run: it holds a line per deleted key (1M lines per large run).
            (work / "audit.jsonl").unlink(missing_ok=True)
            return prefix + [s3p, "prune", "--bucket", BUCKET, "--keep", str(case["keep"]), "--yes", "--force",
                    "--audit-log", str(work / "audit.jsonl"), "--endpoint-url", ctx["endpoint"]] + extra, False
        return Contender(name, "delete", build, None, is_s3prune=True)

    listing.append(s3prune_plan([], "s3prune plan"))
    deletion.append(s3prune_prune([], "s3prune prune"))
    for variant in ctx["variants"]:
        extra = variant.split()
        if any(a.startswith("--batches") or a.startswith("S3PRUNE_EXP") for a in extra):
            deletion.append(s3prune_prune(extra, f"s3prune prune {variant}"))
        else:
            listing.append(s3prune_plan(extra, f"s3prune plan {variant}"))
            deletion.append(s3prune_prune(extra, f"s3prune prune {variant}"))
    if ctx["smoke"]:
        pass  # smoke: s3prune and (below) boto3 only

    py = t.get("python_boto3")
    if py:
        script = str(ROOT / "bench" / "boto3_prune.py")

        def b3_list(case, work):
            return [py, script, "list", "--bucket", BUCKET, "--endpoint-url", ctx["endpoint"]], False

        def b3_list_verify(case, out):
            summary = json.loads(Path(out).read_text().strip().splitlines()[-1])
            want = {"deployments": case["deployments"], "objects": case["deployments"] * case["objects"]}
            if summary != want:
                raise Failed(f"boto3 list: {summary}, expected {want}")

        def b3_prune(case, work):
            return [py, script, "prune", "--bucket", BUCKET, "--keep", str(case["keep"]),
                    "--endpoint-url", ctx["endpoint"]], False
        listing.append(Contender("boto3 script (list, group, sort)", "list", b3_list, b3_list_verify))
        deletion.append(Contender("boto3 script (1000-key batches)", "delete", b3_prune, None))
    else:
        skipped.append("boto3 script (no python with boto3)")
    if ctx["smoke"]:
        return listing, deletion, skipped

    aws = t.get("aws")
    if aws:
        def aws_ls(case, work):
            return [aws, "s3", "ls", f"s3://{BUCKET}", "--recursive", "--endpoint-url", ctx["endpoint"]], False

        def aws_ls_verify(case, out):
            n = count_lines(out)
            if n != case["deployments"] * case["objects"]:
                raise Failed(f"aws s3 ls: {n} lines, expected {case['deployments'] * case['objects']}")

        def aws_rm(case, work):
            doomed = " ".join(case["doomed"])
            script = (f"set -e; for p in {doomed}; do {aws} s3 rm --recursive --quiet "
                      f"--endpoint-url {ctx['endpoint']} s3://{BUCKET}/$p/; done")
            return script, True
        listing.append(Contender("aws s3 ls --recursive", "list", aws_ls, aws_ls_verify))
        deletion.append(Contender("aws s3 rm --recursive (per prefix)", "delete", aws_rm, None, slow=True,
                                  needs_doomed=True))
    else:
        skipped.append("awscli (aws not found)")

    rclone = t.get("rclone")
    if rclone:
        def rc_ls(extra):
            def build(case, work):
                return [rclone, "--config", str(work / "rclone.conf"), "lsjson", "-R", "--use-server-modtime",
                        "--no-mimetype"] + extra + [f"bench:{BUCKET}"], False
            return build

        def rc_verify(case, out):
            n = count_lines(out, "{")
            # lsjson -R also prints one entry per directory: count files only.
            n_dirs = sum(1 for line in open(out) if '"IsDir":true' in line)
            if n - n_dirs != case["deployments"] * case["objects"]:
                raise Failed(f"rclone lsjson: {n - n_dirs} files, expected {case['deployments'] * case['objects']}")

        def rc_delete(case, work):
            filt = work / "rclone-include.txt"
            filt.write_text("".join(f"/{p}/**\n" for p in case["doomed"]))
            return [rclone, "--config", str(work / "rclone.conf"), "delete", "--include-from", str(filt),
                    f"bench:{BUCKET}"], False
        listing.append(Contender("rclone lsjson -R", "list", rc_ls([]), rc_verify))
        listing.append(Contender("rclone lsjson -R --fast-list", "list", rc_ls(["--fast-list"]), rc_verify))
        deletion.append(Contender("rclone delete --include-from", "delete", rc_delete, None, slow=True,
                                  needs_doomed=True))
    else:
        skipped.append("rclone (not found)")

    s5 = t.get("s5cmd")
    if s5:
        def s5_rm(case, work):
            cmds = work / "s5cmd-rm.txt"
            cmds.write_text("".join(f"rm s3://{BUCKET}/{p}/*\n" for p in case["doomed"]))
            return [s5, "--endpoint-url", ctx["endpoint"], "run", str(cmds)], False
        deletion.append(Contender("s5cmd run (rm prefix/* per deployment)", "delete", s5_rm, None, needs_doomed=True))
    else:
        skipped.append("s5cmd (not found)")
    return listing, deletion, skipped


# --------------------------------------------------------------------------- measurement

def env_for(ctx, work):
    env = dict(os.environ)
    env.update({
        "AWS_ACCESS_KEY_ID": ACCESS_KEY, "AWS_SECRET_ACCESS_KEY": SECRET_KEY,
        "AWS_REGION": REGION, "AWS_DEFAULT_REGION": REGION,
        "AWS_CONFIG_FILE": str(work / "no-aws-config"), "AWS_SHARED_CREDENTIALS_FILE": str(work / "no-aws-creds"),
        "AWS_EC2_METADATA_DISABLED": "true",
        "RCLONE_CONFIG_BENCH_TYPE": "s3", "RCLONE_CONFIG_BENCH_PROVIDER": "Other",
        "RCLONE_CONFIG_BENCH_ENDPOINT": ctx["endpoint"], "RCLONE_CONFIG_BENCH_ACCESS_KEY_ID": ACCESS_KEY,
        "RCLONE_CONFIG_BENCH_SECRET_ACCESS_KEY": SECRET_KEY, "RCLONE_CONFIG_BENCH_REGION": REGION,
        "RCLONE_CONFIG_BENCH_FORCE_PATH_STYLE": "true",
        "NO_COLOR": "1",
    })
    # AWS_CA_BUNDLE (set on some machines) makes rclone refuse a plain-http endpoint.
    for var in ("AWS_PROFILE", "AWS_ENDPOINT_URL", "AWS_ENDPOINT_URL_S3", "AWS_SESSION_TOKEN", "S3PRUNE_BUCKET",
                "AWS_CA_BUNDLE"):
        env.pop(var, None)
    (work / "rclone.conf").touch()
    return env


def seed(t, case, args):
    folders = f"-{case['folders']}folders" if case.get("folders") else ""
    seed_dir = Path(args.work) / f"seed-{case['deployments']}x{case['objects']}{folders}"
    marker = seed_dir / "SEEDED"
    if marker.exists():
        log(f"reusing seeded {seed_dir}")
        return seed_dir
    if seed_dir.exists():
        shutil.rmtree(seed_dir)
    seed_dir.mkdir(parents=True)
    log(f"seeding {case['deployments']} x {case['objects']} into {seed_dir} (latency off)")
    out = subprocess.run([t["bench"], "seed", "--data-dir", str(seed_dir), "--bucket", BUCKET,
                          "--deployments", str(case["deployments"]), "--objects", str(case["objects"])]
                         + folder_args(case), capture_output=True, text=True)
    if out.returncode != 0:
        raise Failed(f"seeding failed: {out.stderr[-2000:]}")
    log(out.stdout.strip())
    marker.write_text(out.stdout)
    return seed_dir


def folder_args(case):
    return ["--folders", str(case["folders"])] if case.get("folders") else []


def fresh_copy(seed_dir, run_dir):
    if run_dir.exists():
        shutil.rmtree(run_dir)
    subprocess.run(["cp", "-a", str(seed_dir), str(run_dir)], check=True)


def bench_count(t, ctx):
    out = subprocess.run([t["bench"], "ceiling", "--endpoint", ctx["endpoint"], "--bucket", BUCKET, "count"],
                         capture_output=True, text=True, env=ctx["env"])
    if out.returncode != 0:
        raise Failed(f"count failed: {out.stderr[-1000:]}")
    return json.loads(out.stdout)


def record(results, c, seconds, rss, rc, err, verified, requests):
    r = results.setdefault(c.name, {"times": [], "rss_mib": [], "requests": [], "failures": []})
    if rc != 0 or not verified[0]:
        r["failures"].append(f"exit {rc}: {verified[1] or err.strip()[-300:]}")
    else:
        r["times"].append(seconds)
        r["rss_mib"].append(rss)
        r["requests"].append(requests)


def estimate_skip(c, small_results, scale, args):
    """On the large case, returns the extrapolated seconds if c should not be run."""
    if small_results is None:
        return None
    prev = small_results.get(c.name)
    if not prev or not prev["times"]:
        return None
    est = statistics.median(prev["times"]) * scale  # by object count (listed, or deleted)
    return est if est > args.max_estimate else None


def runnable(contenders, small, scale, args):
    """Splits contenders into those to run and, for the rest, their extrapolated seconds."""
    active, estimates = [], {}
    for c in contenders:
        est = None if c.is_s3prune else estimate_skip(c, small, scale, args)
        if est is not None:
            estimates[c.name] = est
            log(f"  not running {c.name}: extrapolated {est:.0f} s per run > --max-estimate")
        else:
            active.append(c)
    return active, estimates


def run_listing(t, case, contenders, ctx, args, small, scale):
    results = {}
    work = ctx["work"]
    active, estimates = runnable(contenders, small, scale, args)
    with ctx["backend"].serving(case, "list"):
        for rnd in range(ctx["runs"]):
            order = active[rnd % len(active):] + active[:rnd % len(active)] if active else []
            for c in order:
                cmd, shell = c.build(case, work)
                out = work / "out.txt"
                before = requests_served(ctx["backend"].port)
                seconds, rss, rc, err = run_timed(cmd, ctx["env"], out, args.timeout, shell)
                requests = requests_served(ctx["backend"].port) - before
                verified = (True, None)
                if rc == 0 and c.verify:
                    try:
                        c.verify(case, out)
                    except (Failed, ValueError, KeyError) as e:
                        verified = (False, str(e))
                record(results, c, seconds, rss, rc, err, verified, requests)
                log(f"  list  round {rnd + 1}: {c.name:45s} {seconds:8.2f} s  rss {rss:6.1f} MiB  {requests:6d} requests"
                    + ("" if rc == 0 and verified[0] else f"  FAILED ({verified[1] or 'exit ' + str(rc)})"))
    return results, estimates


def run_deletion(t, case, contenders, ctx, args, small, scale):
    results = {}
    work = ctx["work"]
    want = {"deployments": case["keep"], "objects": case["keep"] * case["objects"]}
    active, estimates = runnable(contenders, small, scale, args)
    for rnd in range(ctx["runs"]):
        order = active[rnd % len(active):] + active[:rnd % len(active)] if active else []
        for c in order:
            with ctx["backend"].serving(case, "delete"):
                cmd, shell = c.build(case, work)
                out = work / "out.txt"
                before = requests_served(ctx["backend"].port)
                seconds, rss, rc, err = run_timed(cmd, ctx["env"], out, args.timeout, shell)
                requests = requests_served(ctx["backend"].port) - before
                verified = (True, None)
                if rc == 0:
                    got = bench_count(t, ctx)
                    if got != want:
                        verified = (False, f"left {got}, expected {want}")
                record(results, c, seconds, rss, rc, err, verified, requests)
                log(f"  delete round {rnd + 1}: {c.name:45s} {seconds:8.2f} s  rss {rss:6.1f} MiB  {requests:6d} requests"
                    + ("" if rc == 0 and verified[0] else f"  FAILED ({verified[1] or 'exit ' + str(rc)})"))
    return results, estimates


def run_ceiling(t, case, ctx, args):
    work = ctx["work"]
    out = {"list": [], "delete": []}
    requests = min(max(4 * case["deployments"], 200), 2000) if not ctx["smoke"] else 20
    with ctx["backend"].serving(case, "list"):
        r = subprocess.run([t["bench"], "ceiling", "--endpoint", ctx["endpoint"], "--bucket", BUCKET, "list",
                            "--concurrency", ",".join(map(str, ctx["ceiling_list"])), "--requests", str(requests)],
                           capture_output=True, text=True, env=ctx["env"], timeout=args.timeout)
        if r.returncode != 0:
            raise Failed(f"ceiling list failed: {r.stderr[-1000:]}")
        out["list"] = [json.loads(line) for line in r.stdout.splitlines() if line.startswith("{")]
    for c in ctx["ceiling_delete"]:
        with ctx["backend"].serving(case, "delete"):
            r = subprocess.run([t["bench"], "ceiling", "--endpoint", ctx["endpoint"], "--bucket", BUCKET, "delete",
                                "--concurrency", str(c), "--keep", str(case["keep"])],
                               capture_output=True, text=True, env=ctx["env"], timeout=args.timeout)
            if r.returncode != 0:
                raise Failed(f"ceiling delete failed: {r.stderr[-1000:]}")
            out["delete"] += [json.loads(line) for line in r.stdout.splitlines() if line.startswith("{")]
    for mode in ("list", "delete"):
        for row in out[mode]:
            log(f"  ceiling {mode:6s} concurrency {row['concurrency']:4d}: {row['requests_per_s']:8.1f} req/s "
                f"{row['objects_per_s']:9.0f} objects/s")
    return out


# --------------------------------------------------------------------------- report

def med(xs):
    return statistics.median(xs) if xs else None


def table(kind, case, results, estimates, ref_name, units):
    ref = med(results.get(ref_name, {}).get("times", []))
    lines = [f"| {kind} | runs | median s | min–max s | {units}/s | contender ÷ s3prune | requests | peak RSS MiB |",
             "|---|---:|---:|---:|---:|---:|---:|---:|"]
    work_units = case["deployments"] * case["objects"] if kind == "Listing" else len(case["doomed"]) * case["objects"]
    for name, r in results.items():
        m = med(r["times"])
        if m is None:
            lines.append(f"| {name} | 0 | failed | | | {'; '.join(r['failures'])[:120]} | | |")
            continue
        ratio = "1.00 (reference)" if name == ref_name else (f"{m / ref:.2f}×" if ref else "")
        fails = f" ({len(r['failures'])} failed)" if r["failures"] else ""
        reqs = r.get("requests") or []
        sent = f"{statistics.median(reqs):,.0f}" if reqs else ""
        lines.append(f"| {name} | {len(r['times'])}{fails} | {m:.2f} | {min(r['times']):.2f}–{max(r['times']):.2f} "
                     f"| {work_units / m:,.0f} | {ratio} | {sent} | {max(r['rss_mib']):.0f} |")
    for name, est in estimates.items():
        ratio = f"~{est / ref:.0f}× (extrapolated)" if ref else ""
        lines.append(f"| {name} | not run | ~{est:.0f} (extrapolated from the small case) | | | {ratio} | | |")
    return "\n".join(lines)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--bin-dir", required=True, help="dir holding s3prune and examples/s3prune-bench")
    ap.add_argument("--work", default="/tmp/s3prune-bench")
    ap.add_argument("--out", default=None, help="where results.md/json go (default: <work>)")
    ap.add_argument("--smoke", action="store_true")
    ap.add_argument("--reseed", action="store_true", help="discard seeded data dirs cached in --work")
    ap.add_argument("--small", default="200x100", help="DEPLOYMENTSxOBJECTS")
    ap.add_argument("--large", default="1000x1000", help="DEPLOYMENTSxOBJECTS, or 'none'")
    ap.add_argument("--huge", default="1x200000/200",
                    help="DEPLOYMENTSxOBJECTS/SUB-FOLDERS, listing only (one huge deployment), or 'none'")
    ap.add_argument("--keep", type=int, default=10)
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--latency-ms", type=int, default=30)
    ap.add_argument("--port", type=int, default=9400)
    ap.add_argument("--timeout", type=float, default=3600)
    ap.add_argument("--max-estimate", type=float, default=900,
                    help="large case: skip a contender extrapolated to take longer than this per run (s)")
    ap.add_argument("--only", default="list,delete,ceiling,tui", help="phases to run")
    ap.add_argument("--variant", action="append", default=[],
                    help="extra s3prune flags (and VAR=value environment) to benchmark as another row, "
                         "e.g. '--list-concurrency 64'")
    ap.add_argument("--contenders", default=None,
                    help="comma-separated substrings: run only matching contenders (plus s3prune)")
    ap.add_argument("--servers", default="auto",
                    help="embedded, localstack, or both; auto = both if LocalStack is installed")
    ap.add_argument("--localstack-cases", default="small,smoke",
                    help="cases also run on LocalStack (seeding it takes minutes per 100k objects)")
    ap.add_argument("--python-boto3", default=None)
    ap.add_argument("--aws", default="aws")
    ap.add_argument("--s5cmd", default="s5cmd")
    ap.add_argument("--rclone", default="rclone")
    args = ap.parse_args()

    load_start, t_start, started = os.getloadavg(), time.time(), time.strftime("%Y-%m-%d %H:%M %Z")
    bin_dir = Path(args.bin_dir)
    t = {"s3prune": str(bin_dir / "s3prune"), "bench": str(bin_dir / "examples" / "s3prune-bench")}
    for k in ("s3prune", "bench"):
        if not os.access(t[k], os.X_OK):
            raise SystemExit(f"missing {t[k]}: build it first (scripts/bench.sh does)")
    t["python_boto3"] = args.python_boto3
    t["aws"], t["s5cmd"], t["rclone"] = which(args.aws), which(args.s5cmd), which(args.rclone)

    work = Path(args.work)
    if (args.smoke or args.reseed) and work.exists():
        shutil.rmtree(work)  # smoke always seeds afresh: it must not pass on a stale data dir
    work.mkdir(parents=True, exist_ok=True)
    out_dir = Path(args.out) if args.out else work
    out_dir.mkdir(parents=True, exist_ok=True)
    phases = set(args.only.split(","))

    if args.smoke:
        cases = [("smoke", "6x20")]
        args.keep, args.runs = 2, 1
        latency = min(args.latency_ms, 5)
    else:
        cases = ([("small", args.small)] + ([("large", args.large)] if args.large != "none" else [])
                 + ([("huge", args.huge)] if args.huge != "none" else []))
        latency = args.latency_ms

    ctx = {"latency": latency, "runs": args.runs,
           "smoke": args.smoke, "work": work, "variants": args.variant,
           "ceiling_list": [4, 16] if args.smoke else [8, 16, 32, 64, 128, 256],
           "ceiling_delete": [8] if args.smoke else [8, 32, 128]}
    listing_c, deletion_c, skipped = make_contenders(t, ctx)
    if args.contenders:
        wanted = [w.strip() for w in args.contenders.split(",")]
        keep = lambda c: c.is_s3prune or any(w in c.name for w in wanted)
        listing_c, deletion_c = [c for c in listing_c if keep(c)], [c for c in deletion_c if keep(c)]

    machine = f"{os.cpu_count()} cores, {os.sysconf('SC_PAGE_SIZE') * os.sysconf('SC_PHYS_PAGES') / 2**30:.0f} GiB RAM"
    try:
        cpu = next(line.split(":", 1)[1].strip() for line in open("/proc/cpuinfo") if line.startswith("model name"))
        machine = f"{cpu}, {machine}"
    except (OSError, StopIteration):
        pass
    versions = {}
    for name, cmd in (("s5cmd", [t["s5cmd"], "version"]), ("rclone", [t["rclone"], "version"]),
                      ("aws", [t["aws"], "--version"])):
        if cmd[0]:
            r = subprocess.run(cmd, capture_output=True, text=True)
            versions[name] = (r.stdout or r.stderr).splitlines()[0].strip() if (r.stdout or r.stderr) else "?"
    if t["python_boto3"]:
        r = subprocess.run([t["python_boto3"], "-c", "import boto3; print(boto3.__version__)"],
                           capture_output=True, text=True)
        versions["boto3"] = r.stdout.strip()

    servers = [Embedded]
    if args.servers in ("auto", "embedded,localstack", "localstack,embedded", "localstack"):
        if LocalStack.installed():
            servers = [LocalStack] if args.servers == "localstack" else [Embedded, LocalStack]
        elif args.servers == "auto":
            skipped.append("LocalStack (not installed: scripts/localstack.sh install)")
        else:
            raise SystemExit("LocalStack is not installed: run scripts/localstack.sh install")
    ls_cases = set(args.localstack_cases.split(","))
    report = {"machine": machine, "latency_ms": latency, "runs": args.runs, "keep": args.keep,
              "versions": versions, "skipped": skipped, "cases": {}}
    md = [f"Machine: {machine}. Servers on 127.0.0.1, "
          f"{latency} ms injected latency per request. Runs per contender: {args.runs}, "
          f"alternating. Delete = all but the newest {args.keep} deployments.",
          "Versions: " + ", ".join(f"{k} {v}" for k, v in versions.items())]
    if skipped:
        md.append("Not installed, skipped: " + ", ".join(skipped))
    failed = False
    for server_cls in servers:
        with server_cls(t, args, ctx) as backend:
            ctx["backend"], ctx["endpoint"] = backend, backend.endpoint
            ctx["env"] = env_for(ctx, work)
            server_cases = cases if server_cls is Embedded else [c for c in cases if c[0] in ls_cases]
            where = "" if server_cls is Embedded else " on LocalStack"
            small_list = small_delete = None
            small_objects = None
            for base_label, spec in server_cases:
                label = base_label + where
                spec, _, folders = spec.partition("/")
                d, o = (int(x) for x in spec.split("x"))
                case = {"deployments": d, "objects": o, "keep": args.keep, "folders": int(folders or 0),
                        "doomed": [f"d{i:04}" for i in range(max(d - args.keep, 0))]}
                # The huge case is about listing one deployment: nothing to delete, no ceiling.
                case_phases = phases - {"delete", "ceiling"} if base_label == "huge" else phases
                log(f"case {label}: {d} deployments x {o} objects")
                backend.prepare(case)
                scale = (d * o) / small_objects[0] if small_objects else None
                delete_scale = len(case["doomed"]) * o / small_objects[1] if small_objects else None
                entry = report["cases"][label] = {"deployments": d, "objects": o}
                in_folders = f" in {case['folders']} sub-folders" if case["folders"] else ""
                md.append(f"\n### {label}: {d:,} deployments × {o:,} objects{in_folders} = {d * o:,} objects")
                md.append(f"Server: {backend.title}, {latency} ms latency per request.")
                if "list" in case_phases:
                    res, est = run_listing(t, case, listing_c, ctx, args, small_list, scale)
                    entry["listing"], entry["listing_estimates"] = res, est
                    md += ["", table("Listing", case, res, est, "s3prune plan", "objects")]
                    small_list = small_list or res
                if "delete" in case_phases:
                    res, est = run_deletion(t, case, deletion_c, ctx, args, small_delete, delete_scale)
                    entry["deletion"], entry["deletion_estimates"] = res, est
                    md += ["", table("Deleting", case, res, est, "s3prune prune", "objects deleted")]
                    small_delete = small_delete or res
                rss = {}
                for kind in ("listing", "deletion"):
                    for name, r in entry.get(kind, {}).items():
                        if name in ("s3prune plan", "s3prune prune") and r["rss_mib"]:
                            rss[name] = max(r["rss_mib"])
                entry["s3prune_peak_rss_mib"] = rss
                if rss:
                    md.append("\ns3prune peak RSS (max over runs): " +
                              ", ".join(f"`{k}` {v:.1f} MiB" for k, v in rss.items()))
                if "ceiling" in case_phases:
                    ceil = run_ceiling(t, case, ctx, args)
                    entry["ceiling"] = ceil
                    best_l = max(ceil["list"], key=lambda r: r["objects_per_s"]) if ceil["list"] else None
                    best_d = max(ceil["delete"], key=lambda r: r["objects_per_s"]) if ceil["delete"] else None
                    lines = ["", "| Server ceiling (raw SDK loop) | best concurrency | requests/s | objects/s | s3prune | s3prune ÷ ceiling |",
                             "|---|---:|---:|---:|---:|---:|"]
                    pl = med(entry.get("listing", {}).get("s3prune plan", {}).get("times", []))
                    pp = med(entry.get("deletion", {}).get("s3prune prune", {}).get("times", []))
                    for best, label_, s, what in (
                            (best_l, "ListObjectsV2", d * o / pl if pl else None, "plan"),
                            (best_d, "DeleteObjects (1000 keys)", len(case["doomed"]) * o / pp if pp else None,
                             "prune, incl. its listings")):
                        if not best:
                            continue
                        mine = f"{s:,.0f} objects/s ({what})" if s else ""
                        frac = f"{s / best['objects_per_s']:.0%}" if s else ""
                        lines.append(f"| {label_} | {best['concurrency']} | {best['requests_per_s']:,.0f} | "
                                     f"{best['objects_per_s']:,.0f} | {mine} | {frac} |")
                    md += lines
                    md.append("Ceiling sweep: list " + ", ".join(f"c={r['concurrency']}: {r['objects_per_s']:,.0f}/s" for r in ceil["list"])
                              + "; delete " + ", ".join(f"c={r['concurrency']}: {r['objects_per_s']:,.0f}/s" for r in ceil["delete"]))
                small_objects = small_objects or (d * o, max(len(case["doomed"]) * o, 1))
                for kind in ("listing", "deletion"):
                    for name, r in entry.get(kind, {}).items():
                        if r["failures"]:
                            log(f"FAILURE {label} {name}: {r['failures']}")
                            if name.startswith("s3prune") or args.smoke:
                                failed = True

    if "tui" in phases:
        tui_args = ["--large", "100", "--many", "500", "--presses", "24"] if args.smoke else []
        r = subprocess.run([t["bench"], "tui"] + tui_args, capture_output=True, text=True, timeout=args.timeout)
        if r.returncode != 0:
            log(f"tui bench failed: {r.stderr[-1500:]}")
            failed = True
        else:
            tui = json.loads(r.stdout)
            report["tui"] = tui
            md += ["", "| TUI render path (TestBackend, %dx%d) | measured | goal |" % (tui["width"], tui["height"]),
                   "|---|---:|---:|",
                   f"| open: first frame (listing in progress) | {tui['open_first_frame_ms']:.2f} ms | < 100 ms |",
                   f"| {tui['large']:,} deployments: ingest listing events | {tui['ingest_large_ms']:.1f} ms | |",
                   f"| {tui['large']:,} deployments: first full frame | {tui['first_full_frame_large_ms']:.2f} ms | < 100 ms |",
                   f"| {tui['many']:,} deployments: ingest listing events | {tui['ingest_many_ms']:.1f} ms | |",
                   f"| {tui['many']:,} deployments: keypress update + redraw, median | {tui['keypress_median_ms']:.2f} ms | < 16 ms |",
                   f"| {tui['many']:,} deployments: keypress update + redraw, p99 / max | {tui['keypress_p99_ms']:.2f} / {tui['keypress_max_ms']:.2f} ms | < 16 ms |"]
            slowest = sorted(tui["per_key"].items(), key=lambda kv: -kv[1]["max_ms"])[:3]
            md.append("Slowest keys (max): " + ", ".join(f"{k} {v['max_ms']:.2f} ms" for k, v in slowest))

    report["loadavg_start"], report["loadavg_end"] = load_start, os.getloadavg()
    md.append(f"\nLoad average (1/5/15 min) at start {load_start[0]:.2f}/{load_start[1]:.2f}/{load_start[2]:.2f}, "
              f"at end {report['loadavg_end'][0]:.2f}/{report['loadavg_end'][1]:.2f}/{report['loadavg_end'][2]:.2f}; "
              f"started {started}, took {(time.time() - t_start) / 60:.0f} min.")
    text = "\n".join(md) + "\n"
    (out_dir / "results.md").write_text(text)
    (out_dir / "results.json").write_text(json.dumps(report, indent=1, default=str))
    print(text)
    log(f"results in {out_dir}/results.md and results.json")
    if failed:
        log("FAILED: see above")
        return 1
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except Failed as e:
        log(f"FAILED: {e}")
        sys.exit(1)
