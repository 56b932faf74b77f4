"""Starts JupyterHubs for internal/realhub as forks of one process that has
already imported JupyterHub: the Hub's own code, run from its own entry
point, at a fraction of the CPU of a new python3 (the import is most of a
start that spawns nothing).

    python3 forkserver.py serve SOCKET
        Imports jupyterhub.app, listens on the Unix socket SOCKET, writes
        "ready" to stdout and serves until its stdin ends, then removes
        SOCKET, this script and their directory.  Single-threaded, so that
        a fork never copies a lock another thread holds.

    python3 -I -S forkserver.py run SOCKET [HUB ARGS...]
        One Hub run: sends the server its argv, environment, working
        directory, process group and stdout (which must be its stderr too),
        then waits for the Hub's end and exits as it did: its exit status,
        or killed by the same signal.  It ignores SIGINT, SIGTERM and SIGHUP:
        they are for the Hub, which is in this process's group (a signal to
        the group reaches both), and the run must end when the Hub has.

For each run the server forks a child that joins the run's process group,
takes exactly the run's environment and working directory, points fd 0 at
/dev/null and fds 1 and 2 at the run's stdout, closes every other fd, and
runs /usr/bin/jupyterhub as a new python3 would run it (runpy, as
__main__).  What the Hub can tell from a new process: the modules already
imported (their objects frozen out of the garbage collector's sight,
gc.freeze), the hash seed, sys.orig_argv, and that /proc/self/environ is
the server's (os.environ is the run's).  The environment JupyterHub reads at
import time (JUPYTERHUB_*) is the server's: the caller keeps it unset.
"""

import gc
import json
import os
import selectors
import signal
import socket
import sys

HUB = "/usr/bin/jupyterhub"


def serve(path):
    import random
    import runpy

    import jupyterhub.app  # noqa: F401  the import each run would pay for

    # What the import made lives as long as the process: out of the
    # collector's sight, a child's collections do not touch (and so copy)
    # every page of it, a third of a 5.2 start's CPU.
    gc.freeze()

    listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    listener.bind(path)
    listener.listen(64)
    sel = selectors.DefaultSelector()
    sel.register(listener, selectors.EVENT_READ, "accept")
    sel.register(sys.stdin.fileno(), selectors.EVENT_READ, "stdin")
    sys.stdout.write("ready\n")  # the caller waits for this before the first run
    sys.stdout.flush()
    sys.stderr.flush()
    while True:
        for key, _ in sel.select():
            what = key.data
            if what == "stdin":
                if not os.read(key.fd, 4096):
                    # The test binary is gone; running Hubs are stopped by
                    # their runs' groups.
                    listener.close()
                    remove(path)
                    return
            elif what == "accept":
                conn, _ = listener.accept()
                child = start(conn)
                if child is None:
                    conn.close()
                    continue
                if child == 0:
                    # Close the server's objects before the raw fds go, so
                    # that none closes a number the Hub has reused since.
                    for k in list(sel.get_map().values()):
                        if isinstance(k.data, tuple):
                            k.data[2].close()
                            os.close(k.fd)
                    sel.close()
                    listener.close()
                    conn.close()
                    os.closerange(3, os.sysconf("SC_OPEN_MAX"))
                    random.seed()  # the parent's state would be every child's
                    runpy.run_path(HUB, run_name="__main__")
                    sys.exit(0)  # the entry point exits itself; this is a fallback
                pidfd = os.pidfd_open(child)
                sel.register(pidfd, selectors.EVENT_READ, ("child", child, conn))
            else:
                _, child, conn = what
                sel.unregister(key.fd)
                os.close(key.fd)
                _, wstatus = os.waitpid(child, 0)
                try:
                    conn.sendall(json.dumps({"status": os.waitstatus_to_exitcode(wstatus)}).encode() + b"\n")
                except OSError:
                    pass  # the run was killed with its Hub
                conn.close()


def remove(path):
    """Removes the socket path, this script and their directory, which is
    the caller's: it made it for this server alone."""
    for p in (path, os.path.abspath(__file__)):
        try:
            os.unlink(p)
        except FileNotFoundError:
            pass
    try:
        os.rmdir(os.path.dirname(path))
    except FileNotFoundError:
        pass


def start(conn):
    """Reads one run's request and forks its Hub: the child's pid in the
    parent, 0 in the child (its stdio and environment the run's), None on a
    bad request."""
    conn.settimeout(10)
    try:
        msg, fds, _, _ = socket.recv_fds(conn, 1 << 20, 1)
        while not msg.endswith(b"\n"):
            more = conn.recv(1 << 20)
            if not more:
                return None
            msg += more
    except OSError:
        return None
    if len(fds) != 1:
        for fd in fds:
            os.close(fd)
        return None
    req = json.loads(msg)
    out = fds[0]
    sys.stdout.flush()
    sys.stderr.flush()
    pid = os.fork()
    if pid:
        os.close(out)
        conn.settimeout(None)
        conn.sendall(json.dumps({"pid": pid}).encode() + b"\n")
        return pid
    try:
        os.setpgid(0, req["pgid"])
        os.environ.clear()
        os.environ.update(req["env"])
        os.chdir(req["cwd"])
        devnull = os.open(os.devnull, os.O_RDONLY)
        os.dup2(devnull, 0)
        os.dup2(out, 1)
        os.dup2(out, 2)
        os.close(out)
        os.close(devnull)
        sys.argv = [HUB] + req["args"]
        sys.path[0] = os.path.dirname(HUB)  # where a new python3 HUB starts it
    except BaseException as e:
        os.write(2, f"forkserver: setting up the Hub: {e!r}\n".encode())
        os._exit(125)
    return 0


def run(path, args):
    for s in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
        signal.signal(s, signal.SIG_IGN)
    conn = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    conn.connect(path)
    req = {"args": args, "env": dict(os.environ), "cwd": os.getcwd(), "pgid": os.getpgrp()}
    socket.send_fds(conn, [json.dumps(req).encode() + b"\n"], [1])
    replies = conn.makefile("rb")
    status = None
    for line in replies:
        rep = json.loads(line)
        status = rep.get("status", status)
    if status is None:
        os.write(2, b"forkserver: the server ended before the Hub did\n")
        return 125
    if status < 0:
        signal.signal(-status, signal.SIG_DFL)
        os.kill(os.getpid(), -status)
    return status


if __name__ == "__main__":
    if sys.argv[1] == "serve":
        serve(sys.argv[2])
    elif sys.argv[1] == "run":
        sys.exit(run(sys.argv[2], sys.argv[3:]))
    else:
        sys.exit(f"forkserver: unknown mode {sys.argv[1]!r}")
