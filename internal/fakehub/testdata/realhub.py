"""Run the real JupyterHub (Debian's 3.0.0, or 5.2.1 in its root; from
/usr/lib/python3/dist-packages) with a scenario, for the differential test
in realhub_test.go.

Usage: python3 realhub.py scenario.json

The scenario (written by the Go test) has users with servers in given
states and API tokens with scopes. The Hub runs with a no-op proxy and a
spawner that never really starts anything; server states are set directly
on the Spawner objects. Prints "READY <port>" when the API is up.
"""
import asyncio
import json
import os
import socket
import sys
import tempfile
from datetime import datetime, timezone

from traitlets import Float

from jupyterhub import orm, roles
from jupyterhub.app import JupyterHub
from jupyterhub.objects import Server
from jupyterhub.proxy import Proxy
from jupyterhub.spawner import Spawner

STOP_DELAYS = {}
DEFAULT_STOP_DELAY = 0.0


def parse_ts(s):
    if s is None:
        return None
    dt = datetime.fromisoformat(s.replace("Z", "+00:00"))
    return dt.astimezone(timezone.utc).replace(tzinfo=None)


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class NoopProxy(Proxy):
    should_start = False

    async def add_route(self, routespec, target, data):
        pass

    async def delete_route(self, routespec):
        pass

    async def get_all_routes(self):
        return {}


class FakeSpawner(Spawner):
    async def start(self):
        raise RuntimeError("FakeSpawner does not start")

    async def poll(self):
        return None if self.server is not None else 0

    async def stop(self, now=False):
        delay = STOP_DELAYS.get((self.user.name, self.name), DEFAULT_STOP_DELAY)
        if delay > 0:
            await asyncio.sleep(delay)


def pending_spawn(spawner):
    """A spawn that never ends by itself, hooked up as
    handlers/base.py spawn_single_user hooks up its finish_user_spawn
    (_clear_spawn_future): DELETE on 5.x cancels it (users.py
    UserServerAPIHandler.delete, "we are interrupting a pending start")."""
    future = asyncio.ensure_future(asyncio.Event().wait())

    def clear_spawn_future(f):
        if f.cancelled() or f.exception() is None:
            spawner._spawn_future = None
        spawner._spawn_pending = False

    future.add_done_callback(clear_spawn_future)
    return future


class Hub(JupyterHub):
    def init_signal(self):
        pass


async def main(path):
    global DEFAULT_STOP_DELAY
    with open(path) as f:
        sc = json.load(f)
    DEFAULT_STOP_DELAY = sc.get("stop_delay", 0)
    hub_port = free_port()
    tmp = tempfile.TemporaryDirectory()
    db = tempfile.NamedTemporaryFile(suffix=".sqlite", dir=tmp.name)
    hub = Hub(
        ip="127.0.0.1",
        port=free_port(),
        hub_ip="127.0.0.1",
        hub_port=hub_port,
        proxy_class=NoopProxy,
        spawner_class=FakeSpawner,
        authenticator_class="dummy",
        db_url="sqlite:///" + db.name,
        allow_named_servers=True,
        cleanup_servers=False,
        cleanup_proxy=False,
        # handlers/base.py slow_stop_timeout is a tornado setting
        tornado_settings={"slow_stop_timeout": sc.get("slow_stop_timeout", 0.5)},
        # app.py token_expires_in_max_seconds (5.1 on); only passed when set
        **({"token_expires_in_max_seconds": sc["token_expires_in_max_seconds"]} if "token_expires_in_max_seconds" in sc else {}),
        log_level="WARN",
        # keep the Hub's files out of the working directory
        cookie_secret_file=os.path.join(tmp.name, "cookie_secret"),
        pid_file=os.path.join(tmp.name, "pid"),
    )
    await hub.initialize([])
    d = hub.db

    for spec in sc["users"]:
        orm_user = orm.User(name=spec["name"], admin=spec.get("admin", False))
        d.add(orm_user)
        d.commit()
        roles.assign_default_roles(d, entity=orm_user)
        orm_user.created = parse_ts(spec["created"])
        orm_user.last_activity = parse_ts(spec.get("last_activity"))
        for g in spec.get("groups") or []:
            group = orm.Group.find(d, g)
            if group is None:
                group = orm.Group(name=g)
                d.add(group)
            group.users.append(orm_user)
        d.commit()
        user = hub.users.add(orm_user)
        for name, s in (spec.get("servers") or {}).items():
            if s.get("stop_delay") is not None:
                STOP_DELAYS[(spec["name"], name)] = s["stop_delay"]
            spawner = user.spawners[name]
            orm_spawner = spawner.orm_spawner
            orm_spawner.started = parse_ts(s.get("started"))
            orm_spawner.last_activity = parse_ts(s.get("last_activity"))
            # servers in the scenario have run before (a never-run spawner has
            # null user_options and state)
            orm_spawner.user_options = s.get("user_options") or {}
            # the Spawner was made (user.py _new_spawner) before this
            spawner.user_options = orm_spawner.user_options
            orm_spawner.state = {}
            active = s.get("ready") or s.get("pending")
            if active:
                orm_server = orm.Server(ip="127.0.0.1", port=9, base_url=user.server_url(name))
                d.add(orm_server)
                d.commit()
                spawner.server = Server(orm_server=orm_server)
                pending = s.get("pending")
                if pending == "spawn":
                    spawner._spawn_pending = True
                    spawner._spawn_future = pending_spawn(spawner)
                elif pending == "stop":
                    spawner._stop_pending = True
                elif pending == "check":
                    spawner._check_pending = True
            d.commit()
            if not active:
                # a stopped spawner is popped from user.spawners (User.stop)
                user.spawners.pop(name, None)

    for i, t in enumerate(sc.get("tokens", [])):
        if t["kind"] == "service":
            owner = orm.Service.find(d, t["name"])
            if owner is None:
                owner = orm.Service(name=t["name"])
                d.add(owner)
                d.commit()
        else:
            owner = orm.User.find(d, t["name"])
        scopes = t["scopes"]
        if scopes == ["admin"]:
            roles.grant_role(d, owner, "admin")
            token_scopes = ["inherit"]
        else:
            role = f"role-{i}"
            roles.create_role(d, {"name": role, "scopes": scopes})
            roles.grant_role(d, owner, role)
            token_scopes = scopes
        owner.new_api_token(token=t["token"], scopes=token_scopes, note="test")
        d.commit()

    await hub.start()
    print(f"READY {hub_port}", flush=True)
    await asyncio.Event().wait()


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1]))
