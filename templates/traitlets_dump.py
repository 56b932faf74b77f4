#!/usr/bin/python3
"""Test oracle: load a jupyterhub_config.py the way JupyterHub does, dump JSON.

Usage:
    /usr/bin/python3 testdata/traitlets_dump.py CONFIG.py
    /usr/bin/python3 testdata/traitlets_dump.py --strings FILE.py

CONFIG.py mode
    Loads CONFIG.py through traitlets' Application.load_config_file (which
    uses PyFileConfigLoader), exactly the call JupyterHub.initialize makes,
    with raise_config_file_errors=True as JupyterHub sets it.  The loaded
    config is applied to a JupyterHub application object, so a
    LazyConfigValue (c.JupyterHub.services.append(...) on an unset trait) is
    resolved by traitlets' Configurable._load_config against the trait's
    default ([] for lists, {} for dicts) and the value is validated by the
    real trait (List(Dict()), Dict(Unicode())).

    When jupyterhub is importable the real jupyterhub.app.JupyterHub class is
    used; otherwise a stand-in Application named JupyterHub with the same
    three traits (as declared in JupyterHub 3.0).

    Prints ONE JSON object on stdout:
        {"services": [...], "load_roles": [...], "api_tokens": {...}}
    Keys that CONFIG.py does not set in the JupyterHub section are omitted.

--strings FILE.py mode
    FILE.py sets S = [...] (a list of str literals).  It is compiled and
    executed exactly as PyFileConfigLoader does (bytes read, compile(..,
    'exec'), exec) and json.dumps(S) is printed.

All JSON is written with ensure_ascii=True so every str (lone surrogates,
NUL, U+2028, astral planes ...) survives exactly.  Values json would coerce
silently (tuples, non-str dict keys, NaN, bytes, objects) are an error.

Any load error exits 1 with the error on stderr.

--serve mode (the tests' pyoracle package)
    Imports traitlets and JupyterHub once, then reads requests, one JSON
    object a line on stdin: {"args": [...], "env": {"K": "V"}, "unset":
    ["K"], "cwd": "DIR"}.  For each it forks; the child sets the environment
    (env on top of the server's own, unset removed) and working directory,
    points fds 0, 1 and 2 at /dev/null and two fresh memory files, and
    returns to the module's last line to run main(ARGS) exactly as a
    separate `traitlets_dump.py ARGS` would, interpreter exit included.  The
    parent waits for it and answers one JSON line {"status": N, "stdout":
    B64, "stderr": B64}: N the exit status, -SIGNAL if a signal ended it.
    It never runs a request itself, so every child starts from the same
    just-imported state.  It exits 0 at the end of stdin.  What a child can
    tell from a separate process: sys.orig_argv, the modules the server
    imported (frozen out of the garbage collector's sight), the hash seed; its stdio encoding is the server's (the
    caller does not change LANG or LC_*).
"""

import json
import math
import os
import sys
import traceback

KEYS = ("services", "load_roles", "api_tokens")


def strict(value, where="value"):
    """Return value unchanged if it is plain JSON data, raise TypeError if
    json.dumps would change or reject it."""
    if value is None or isinstance(value, (bool, str)):
        return value
    if isinstance(value, int):
        return int(value)
    if isinstance(value, float):
        if math.isnan(value) or math.isinf(value):
            raise TypeError(f"{where}: non-finite float {value!r}")
        return value
    if isinstance(value, list):
        return [strict(v, f"{where}[{i}]") for i, v in enumerate(value)]
    if isinstance(value, dict):
        out = {}
        for k, v in value.items():
            if not isinstance(k, str):
                raise TypeError(f"{where}: dict key {k!r} is {type(k).__name__}, not str")
            out[k] = strict(v, f"{where}[{k!r}]")
        return out
    raise TypeError(f"{where}: {type(value).__name__} {value!r} is not JSON data")


def hub_class():
    try:
        from jupyterhub.app import JupyterHub

        return JupyterHub
    except ImportError:
        pass

    from traitlets import Dict, List, Unicode
    from traitlets.config import Application

    class JupyterHub(Application):  # noqa: F811  (section name must be JupyterHub)
        raise_config_file_errors = True
        load_roles = List(Dict()).tag(config=True)
        api_tokens = Dict(Unicode()).tag(config=True)
        services = List(Dict()).tag(config=True)

    return JupyterHub


def dump_config(path):
    if not path.endswith(".py"):
        raise ValueError(f"{path}: config file name must end in .py")
    if not os.path.isfile(path):
        raise FileNotFoundError(f"{path}: no such file")
    cls = hub_class()
    app = cls()
    app.raise_config_file_errors = True
    app.load_config_file(os.path.abspath(path))
    section = app.config.JupyterHub if "JupyterHub" in app.config else {}
    out = {}
    for key in KEYS:
        if key in section:
            out[key] = strict(getattr(app, key), key)
    return out


def dump_strings(path):
    namespace = {"__file__": path}
    with open(path, "rb") as f:
        exec(compile(f.read(), path, "exec"), namespace, namespace)
    if "S" not in namespace:
        raise NameError(f"{path} does not set S")
    s = namespace["S"]
    if not isinstance(s, list):
        raise TypeError(f"S is {type(s).__name__}, not list")
    for i, v in enumerate(s):
        if type(v) is not str:
            raise TypeError(f"S[{i}] is {type(v).__name__}, not str")
    return s


def main(argv):
    if len(argv) == 1 and not argv[0].startswith("-"):
        fn, path = dump_config, argv[0]
    elif len(argv) == 2 and argv[0] == "--strings":
        fn, path = dump_strings, argv[1]
    else:
        print("usage: traitlets_dump.py CONFIG.py | --strings FILE.py", file=sys.stderr)
        return 2
    try:
        result = fn(path)
        text = json.dumps(result, ensure_ascii=True, allow_nan=False)
    except BaseException as e:  # SystemExit / KeyboardInterrupt from exec'd code too
        if isinstance(e, KeyboardInterrupt):
            raise
        traceback.print_exc(file=sys.stderr)
        print(f"traitlets_dump: error loading {path}: {type(e).__name__}: {e}", file=sys.stderr)
        return 1
    sys.stdout.write(text + "\n")
    return 0


def serve():
    """The --serve loop; returns only in a child, with the request's args."""
    import base64

    hub_class()  # the import every request would otherwise pay for
    import gc

    # Out of the collector's sight, the import's objects are not touched
    # (and so copied) by every child's collections.
    gc.freeze()
    requests = os.fdopen(os.dup(0), "rb", buffering=0)
    replies = os.fdopen(os.dup(1), "wb", buffering=0)
    devnull = os.open(os.devnull, os.O_RDWR)
    for fd in (0, 1):
        os.dup2(devnull, fd)
    sys.stdout.flush()
    sys.stderr.flush()
    line = b""
    while True:
        chunk = requests.readline()
        if not chunk:
            sys.exit(0)
        line += chunk
        if not line.endswith(b"\n"):
            continue
        req, line = json.loads(line), b""
        out = os.memfd_create("stdout")
        err = os.memfd_create("stderr")
        pid = os.fork()
        if pid == 0:
            requests.close()
            replies.close()
            for k in req.get("unset", []):
                os.environ.pop(k, None)
            os.environ.update(req.get("env", {}))
            os.chdir(req.get("cwd", "."))
            for src, fd in ((devnull, 0), (out, 1), (err, 2)):
                os.dup2(src, fd)
            for fd in (devnull, out, err):
                os.close(fd)
            sys.argv[1:] = req["args"]
            return req["args"]
        _, wstatus = os.waitpid(pid, 0)
        reply = {"status": os.waitstatus_to_exitcode(wstatus)}
        for name, fd in (("stdout", out), ("stderr", err)):
            os.lseek(fd, 0, os.SEEK_SET)
            data = b""
            while chunk := os.read(fd, 1 << 20):
                data += chunk
            os.close(fd)
            reply[name] = base64.b64encode(data).decode("ascii")
        replies.write(json.dumps(reply).encode("ascii") + b"\n")


if __name__ == "__main__":
    if sys.argv[1:] == ["--serve"]:
        serve()
    sys.exit(main(sys.argv[1:]))
