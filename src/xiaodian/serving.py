"""How `xiaodian serve` ends its keep-alive connections when it is told to stop (SIGTERM).

uvicorn's own graceful shutdown closes every idle keep-alive connection at once. A client
(nginx above all) may have written its next request on that connection in the same instant:
the request is lost with the connection, and for a POST nginx cannot know whether the server
ran it, so it never resends it and answers 502. That is the one request a rolling restart
could lose.

`DrainingProtocol` closes a connection only from a point where no request can be on its way:
- a connection busy with a request finishes it and answers it with `Connection: close`
  (as uvicorn already does);
- an idle one stays open: a request that arrives on it is served and answered with
  `Connection: close`; the client itself closes the ones it does not use again (nginx
  after `keepalive_timeout` in deploy/nginx/xiaodian.conf, 4 s, below `DRAIN_SECONDS`);
  what is still idle after `DRAIN_SECONDS` is closed then;
- a WebSocket upgrade asked for while draining gets 503 and `Connection: close`, so the
  socket is opened on the other server rather than cut here a moment later.

The server has stopped listening by then, so new connections go to the other server. With
several workers, `DrainingMultiprocess` closes the supervisor's copy of the listening socket
before it signals the workers: uvicorn's kept it open until they had exited, so the kernel
went on accepting connections that no worker would read (a request sent on one was lost the
same way, as the process exited).
"""

from __future__ import annotations

import contextlib
import sys

from uvicorn import Config, Server
from uvicorn.config import STARTUP_FAILURE
from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol
from uvicorn.supervisors.multiprocess import Multiprocess

# Above the idle timeout of the clients in front (nginx's upstream keepalive_timeout, 4 s;
# httpx's default keep-alive expiry, 5 s), well under GRACEFUL_SHUTDOWN_SECONDS.
DRAIN_SECONDS = 6.0

_DRAINING_UPGRADE = (
    b"HTTP/1.1 503 Service Unavailable\r\n"
    b"content-type: text/plain; charset=utf-8\r\n"
    b"content-length: 20\r\n"
    b"retry-after: 1\r\n"
    b"connection: close\r\n"
    b"\r\n"
    b"server is restarting"
)


class DrainingProtocol(HttpToolsProtocol):
    """uvicorn's httptools protocol, with the shutdown above."""

    draining = False

    def shutdown(self) -> None:
        self.draining = True
        if self.cycle is not None and not self.cycle.response_complete:
            self.cycle.keep_alive = False  # answered with Connection: close, then closed
            return
        # Idle: replace the keep-alive timer with the drain deadline. A request arriving
        # before it cancels the timer (data_received) and closes the connection when answered.
        self._unset_keepalive_if_required()
        self.timeout_keep_alive_task = self.loop.call_later(
            DRAIN_SECONDS, self.timeout_keep_alive_handler
        )

    def on_headers_complete(self) -> None:
        super().on_headers_complete()
        if self.draining and self.cycle is not None:
            self.cycle.keep_alive = False

    def handle_websocket_upgrade(self) -> None:
        if self.draining:
            self.transport.write(_DRAINING_UPGRADE)
            self.transport.close()
            return
        super().handle_websocket_upgrade()


class DrainingMultiprocess(Multiprocess):
    """uvicorn's worker supervisor, refusing new connections from the moment it stops."""

    def terminate_all(self) -> None:
        for sock in self.sockets:
            sock.close()  # the workers' own copies close as their shutdown begins
        super().terminate_all()


def run(config: Config) -> None:
    """`uvicorn.run` for a ready `Config`, with the supervisor above when there are workers."""
    if config.workers > 1:
        sock = config.bind_socket()
        with contextlib.suppress(KeyboardInterrupt):
            DrainingMultiprocess(config, sockets=[sock]).run()
        return
    server = Server(config)
    with contextlib.suppress(KeyboardInterrupt):
        server.run()
    if not server.started:
        sys.exit(STARTUP_FAILURE)  # the app or the socket could not start, as uvicorn.run
