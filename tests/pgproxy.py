"""A loopback TCP proxy in front of PostgreSQL that counts round trips (and can delay
each direction, to stand for a network): used by bench/team.py and the round-trip test.

A round trip is each time the client has to wait for the server. While connecting
that is each time the server answers after the client last spoke: the SSL request, the
startup packet, each authentication step. `connect_trips` counts those, up to and
including the server's first ReadyForQuery, seen in plain text (so only for
connections without TLS, which is how the test cluster and the bench connect:
`sslmode=disable`). Under `sslmode=prefer` a server without TLS costs one more (the
SSL request, answered 'N').

After that the client waits only for the answer to a Sync (or a simple query), which
ends with a ReadyForQuery: each one the server sends is a round trip. (The server may
send results before the Sync reaches it, when the client is slow to send the rest of
a batch, as on a busy machine; counting answers instead of ReadyForQuery messages
would count those as round trips the client never waited for.) A message the server
never answers (the Terminate a client sends when it hangs up) is not one.
"""

from __future__ import annotations

import asyncio
import threading

# ReadyForQuery ('Z', length 5): ends the server's answer to the last authentication step
_READY = b"Z\x00\x00\x00\x05"


class Proxy:
    """Forwards 127.0.0.1:`port` to `target_port`; `round_trips` counts since reset, and
    `connect_trips` the part of them spent connecting (reset both together)."""

    def __init__(self, target_port: int, delay: float = 0.0) -> None:
        self.target_port = target_port
        self.delay = delay
        self.round_trips = 0
        self.connect_trips = 0
        self.port = 0
        self._ready = threading.Event()
        self._loop = asyncio.new_event_loop()
        threading.Thread(target=self._run, daemon=True).start()
        self._ready.wait()

    def reset(self) -> None:
        self.round_trips = 0
        self.connect_trips = 0

    @property
    def own_trips(self) -> int:
        """The round trips after connecting: the command's own."""
        return self.round_trips - self.connect_trips

    def _run(self) -> None:
        asyncio.set_event_loop(self._loop)
        server = self._loop.run_until_complete(asyncio.start_server(self._client, "127.0.0.1", 0))
        self.port = server.sockets[0].getsockname()[1]
        self._ready.set()
        self._loop.run_forever()

    async def _client(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        up_reader, up_writer = await asyncio.open_connection("127.0.0.1", self.target_port)
        state = {"last": "server", "ready": False}  # nobody waits before the client speaks
        after_ready = bytearray()  # the server's messages once the session is ready

        def ready_messages(data: bytes) -> int:
            """ReadyForQuery messages among the server's complete messages so far."""
            after_ready.extend(data)
            found = 0
            while len(after_ready) >= 5:
                size = int.from_bytes(after_ready[1:5], "big")
                if len(after_ready) < 1 + size:
                    break
                found += after_ready[0] == ord("Z")
                del after_ready[: 1 + size]
            return found

        async def pump(src: asyncio.StreamReader, dst: asyncio.StreamWriter, side: str) -> None:
            loop = asyncio.get_running_loop()
            try:
                while data := await src.read(65536):
                    if side == "server" and state["ready"]:
                        self.round_trips += ready_messages(data)
                    elif side == "server":
                        if state["last"] == "client":
                            self.round_trips += 1
                            self.connect_trips += 1
                        at = data.find(_READY)
                        if at >= 0:  # authenticated: the session is ready
                            state["ready"] = True
                            ready_messages(data[at + len(_READY) + 1 :])
                    state["last"] = side
                    if self.delay:
                        loop.call_later(self.delay, dst.write, data)
                    else:
                        dst.write(data)
            finally:
                await asyncio.sleep(self.delay * 2)
                dst.close()

        await asyncio.gather(
            pump(reader, up_writer, "client"),
            pump(up_reader, writer, "server"),
            return_exceptions=True,
        )
