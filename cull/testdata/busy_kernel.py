"""Make a kernel on a single-user server busy or idle, for cull's real-Hub test.

Usage: KERNEL_TOKEN=... python3 busy_kernel.py busy|idle CHANNELS_URL

CHANNELS_URL is ws://HOST:PORT/user/NAME/api/kernels/ID/channels, through
the Hub's proxy. The token comes from the environment, never the command
line. It sends one execute_request on the shell channel (the JSON websocket
messages Jupyter Server speaks without a subprotocol): for busy,
`import time; time.sleep(600)`, waiting until iopub reports the kernel busy
with it (the kernel goes on computing without a client); for idle, `pass`,
waiting until the kernel is idle after it (a kernel no client has talked to
stays "starting" on the server). Prints the state reached and exits.
Bounded: it gives up after 60 s. Uses only the release's own tornado.
"""

import asyncio
import datetime
import json
import os
import sys
import uuid

from tornado import httpclient, websocket

CODE = {"busy": "import time; time.sleep(600)", "idle": "pass"}


async def reach(state, url, token):
    req = httpclient.HTTPRequest(url, headers={"Authorization": "token " + token})
    conn = await websocket.websocket_connect(req)
    msg_id = uuid.uuid4().hex
    conn.write_message(json.dumps({
        "header": {
            "msg_id": msg_id,
            "session": uuid.uuid4().hex,
            "username": "hubctl-test",
            "msg_type": "execute_request",
            "version": "5.3",
            "date": datetime.datetime.now(datetime.timezone.utc).isoformat(),
        },
        "parent_header": {},
        "metadata": {},
        "channel": "shell",
        "content": {
            "code": CODE[state],
            "silent": False,
            "store_history": False,
            "user_expressions": {},
            "allow_stdin": False,
            "stop_on_error": True,
        },
        "buffers": [],
    }))
    while True:
        raw = await conn.read_message()
        if raw is None:
            sys.exit("the websocket closed before the kernel was busy")
        if not isinstance(raw, str):
            continue  # a binary message: not a status
        msg = json.loads(raw)
        if (msg.get("channel") == "iopub"
                and msg.get("header", {}).get("msg_type") == "status"
                and msg.get("parent_header", {}).get("msg_id") == msg_id
                and msg.get("content", {}).get("execution_state") == state):
            conn.close()
            return


def main():
    if len(sys.argv) != 3 or sys.argv[1] not in CODE:
        sys.exit(__doc__)
    token = os.environ.get("KERNEL_TOKEN")
    if not token:
        sys.exit("KERNEL_TOKEN is not set")
    asyncio.run(asyncio.wait_for(reach(sys.argv[1], sys.argv[2], token), 60))
    print(sys.argv[1])


if __name__ == "__main__":
    main()
