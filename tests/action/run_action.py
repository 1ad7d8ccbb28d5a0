#!/usr/bin/env python3
"""Run a composite action's shell steps here, as a GitHub runner would.

Usage: run_action.py ACTION.yml WORKDIR [--input NAME=VALUE]... [--env NAME=VALUE]...

What it does as the runner does: gives each `run:` step the environment a
runner gives (RUNNER_OS, RUNNER_ARCH, RUNNER_TEMP, GITHUB_OUTPUT,
GITHUB_PATH, GITHUB_ENV, GITHUB_STEP_SUMMARY, GITHUB_WORKSPACE, CI,
GITHUB_ACTIONS), runs it as `bash --noprofile --norc -eo pipefail FILE` in
WORKDIR, reads the step's outputs from its GITHUB_OUTPUT file, puts
GITHUB_PATH lines before PATH for later steps, evaluates `${{ }}` in `env:`
values, `with:` values and `if:` conditions (inputs, github, runner, env,
steps.ID.outputs; ==, !=, &&, ||, !, parentheses; success(), failure(),
always(), cancelled()), skips later steps after a failure unless their
condition says otherwise, and evaluates the action's outputs.

What it does not do: run `uses:` steps (it records them with their
evaluated inputs, so a test can check what would be uploaded), other
shells, or anything of GitHub's expression language beyond the above (an
expression outside it is an error, never a silent guess).

Prints one JSON object: {"steps": [...], "outputs": {...}, "failed": bool}.
"""
import json
import os
import platform
import re
import subprocess
import sys
import tempfile

import yaml


class Expr:
    """A small evaluator for the subset of GitHub expressions above."""

    TOKEN = re.compile(
        r"\s*(?:(?P<str>'(?:[^']|'')*')|(?P<op>==|!=|&&|\|\||!|\(|\))|(?P<num>\d+(?:\.\d+)?)"
        r"|(?P<name>[A-Za-z_][A-Za-z0-9_-]*(?:\.[A-Za-z_][A-Za-z0-9_-]*)*(?:\(\))?))"
    )

    def __init__(self, text, ctx):
        self.toks, pos = [], 0
        text = text.strip()
        while pos < len(text):
            m = self.TOKEN.match(text, pos)
            if not m or m.end() == pos:
                raise ValueError(f"expression not understood here: {text!r} at {pos}")
            self.toks.append((m.lastgroup, m.group(m.lastgroup)))
            pos = m.end()
        self.i, self.ctx, self.text = 0, ctx, text

    def peek(self):
        return self.toks[self.i] if self.i < len(self.toks) else (None, None)

    def take(self):
        t = self.peek()
        self.i += 1
        return t

    def value(self):
        v = self.or_()
        if self.i != len(self.toks):
            raise ValueError(f"expression not understood here: {self.text!r}")
        return v

    def or_(self):
        v = self.and_()
        while self.peek() == ("op", "||"):
            self.take()
            r = self.and_()
            v = v if truthy(v) else r
        return v

    def and_(self):
        v = self.cmp()
        while self.peek() == ("op", "&&"):
            self.take()
            r = self.cmp()
            v = r if truthy(v) else v
        return v

    def cmp(self):
        v = self.unary()
        while self.peek() in (("op", "=="), ("op", "!=")):
            op = self.take()[1]
            r = self.unary()
            eq = str(v).lower() == str(r).lower()
            v = eq if op == "==" else not eq
        return v

    def unary(self):
        if self.peek() == ("op", "!"):
            self.take()
            return not truthy(self.unary())
        if self.peek() == ("op", "("):
            self.take()
            v = self.or_()
            if self.take() != ("op", ")"):
                raise ValueError(f"missing ) in {self.text!r}")
            return v
        kind, tok = self.take()
        if kind == "str":
            return tok[1:-1].replace("''", "'")
        if kind == "num":
            return float(tok)
        if kind == "name":
            if tok.endswith("()"):
                fn = tok[:-2]
                status = self.ctx["_status"]
                if fn == "always":
                    return True
                if fn == "success":
                    return status == "success"
                if fn == "failure":
                    return status == "failure"
                if fn == "cancelled":
                    return False
                raise ValueError(f"function not supported here: {tok}")
            if tok in ("true", "false"):
                return tok == "true"
            parts = tok.split(".")
            v = self.ctx
            for p in parts:
                if v in ("", None):
                    return ""  # as on GitHub: a missing step or key is empty
                if not isinstance(v, dict):
                    raise ValueError(f"not a context path: {tok}")
                v = v.get(p, "")
            return v
        raise ValueError(f"expression not understood here: {self.text!r}")


def truthy(v):
    return v not in ("", None, False, 0, 0.0)


def text(v):
    if v is True:
        return "true"
    if v is False:
        return "false"
    if isinstance(v, float) and v.is_integer():
        return str(int(v))
    return "" if v is None else str(v)


def render(s, ctx):
    return re.sub(r"\$\{\{(.*?)\}\}", lambda m: text(Expr(m.group(1), ctx).value()), str(s))


def condition(s, ctx):
    if s is None:
        return ctx["_status"] == "success"
    s = str(s).strip()
    m = re.fullmatch(r"\$\{\{(.*)\}\}", s, re.S)
    if m:
        s = m.group(1)
    uses_status = re.search(r"\b(always|success|failure|cancelled)\(\)", s)
    v = truthy(Expr(s, ctx).value())
    # As on GitHub: without a status function, success() is implied.
    return v if uses_status else v and ctx["_status"] == "success"


def read_outputs(path):
    out, lines = {}, open(path, encoding="utf-8").read().split("\n")
    i = 0
    while i < len(lines):
        line = lines[i]
        m = re.match(r"^([^=<]+)<<(.+)$", line)
        if m:
            name, delim, body = m.group(1), m.group(2), []
            i += 1
            while i < len(lines) and lines[i] != delim:
                body.append(lines[i])
                i += 1
            out[name] = "\n".join(body)
        elif "=" in line:
            k, v = line.split("=", 1)
            out[k] = v
        i += 1
    return out


def main():
    args = sys.argv[1:]
    if len(args) < 2:
        print(__doc__, file=sys.stderr)
        return 2
    action_path, workdir = os.path.abspath(args[0]), os.path.abspath(args[1])
    given, extra_env = {}, {}
    rest = args[2:]
    while rest:
        flag, kv = rest[0], rest[1]
        k, v = kv.split("=", 1)
        (given if flag == "--input" else extra_env)[k] = v
        rest = rest[2:]
    action = yaml.safe_load(open(action_path, encoding="utf-8"))
    inputs = {}
    for name, spec in (action.get("inputs") or {}).items():
        if name in given:
            inputs[name] = given.pop(name)
        elif spec.get("required") and "default" not in spec:
            print(f"run_action: required input {name!r} not given", file=sys.stderr)
            return 2
        else:
            inputs[name] = str(spec.get("default", ""))
    if given:
        print(f"run_action: the action has no input {sorted(given)}", file=sys.stderr)
        return 2

    tmp = tempfile.mkdtemp(prefix="run-action-")
    arch = {"x86_64": "X64", "AMD64": "X64", "aarch64": "ARM64", "arm64": "ARM64"}[platform.machine()]
    runner = {"os": {"Linux": "Linux", "Darwin": "macOS"}[platform.system()], "arch": arch, "temp": os.path.join(tmp, "temp")}
    os.makedirs(runner["temp"])
    summary = extra_env.get("GITHUB_STEP_SUMMARY") or os.path.join(tmp, "summary.md")
    open(summary, "a").close()
    env = dict(os.environ)
    env.update({
        "CI": "true", "GITHUB_ACTIONS": "true", "GITHUB_WORKSPACE": workdir,
        "RUNNER_OS": runner["os"], "RUNNER_ARCH": runner["arch"], "RUNNER_TEMP": runner["temp"],
        "GITHUB_STEP_SUMMARY": summary, "GITHUB_ACTION_PATH": os.path.dirname(action_path),
    })
    env.update(extra_env)
    ctx = {
        "inputs": inputs,
        "github": {"action_repository": "local/framewatch", "action_path": os.path.dirname(action_path), "workspace": workdir},
        "runner": runner,
        "env": env,
        "steps": {},
        "_status": "success",
    }
    paths, report = [], []
    for n, step in enumerate(action["runs"]["steps"]):
        name = step.get("name", f"step {n}")
        if not condition(step.get("if"), ctx):
            report.append({"name": name, "ran": False})
            continue
        if "uses" in step:
            report.append({"name": name, "ran": False, "uses": step["uses"],
                           "with": {k: render(v, ctx) for k, v in (step.get("with") or {}).items()}})
            continue
        if step.get("shell") != "bash":
            raise SystemExit(f"run_action: {name}: only shell: bash is run here")
        step_env = dict(env)
        step_env.update({k: render(v, ctx) for k, v in (step.get("env") or {}).items()})
        step_env["PATH"] = os.pathsep.join(paths[::-1] + [env["PATH"]])
        files = {}
        for var in ("GITHUB_OUTPUT", "GITHUB_PATH", "GITHUB_ENV"):
            files[var] = os.path.join(tmp, f"{var.lower()}-{n}")
            open(files[var], "w").close()
            step_env[var] = files[var]
        script = os.path.join(tmp, f"step-{n}.sh")
        with open(script, "w", encoding="utf-8") as f:
            f.write(render(step["run"], ctx))
        p = subprocess.run(["bash", "--noprofile", "--norc", "-eo", "pipefail", script],
                           cwd=workdir, env=step_env, capture_output=True, text=True)
        outputs = read_outputs(files["GITHUB_OUTPUT"])
        if step.get("id"):
            ctx["steps"][step["id"]] = {"outputs": outputs, "outcome": "success" if p.returncode == 0 else "failure"}
        paths += [l for l in open(files["GITHUB_PATH"]).read().splitlines() if l]
        env.update(read_outputs(files["GITHUB_ENV"]))
        report.append({"name": name, "ran": True, "exit": p.returncode, "stdout": p.stdout,
                       "stderr": p.stderr, "outputs": outputs})
        if p.returncode != 0:
            ctx["_status"] = "failure"
    outputs = {k: render(v.get("value", ""), ctx) for k, v in (action.get("outputs") or {}).items()}
    print(json.dumps({"steps": report, "outputs": outputs, "failed": ctx["_status"] != "success",
                      "summary": open(summary, encoding="utf-8").read()}, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
