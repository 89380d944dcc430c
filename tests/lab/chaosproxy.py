#!/usr/bin/env python3
"""A chaos proxy for the fault tests: sits between Fleetdeck and a real gateway of the lab (HAProxy's runtime API,
Caddy's admin API, Varnish's CLI) on 127.0.0.1 and, on command, misbehaves the way a sick gateway or network does.

    chaosproxy.py --upstream 127.0.0.1:PORT [--upstream 127.0.0.1:PORT ...] [--lifetime SECONDS]

Prints one JSON line, {"control": PORT, "proxies": [{"listen": PORT, "upstream": "127.0.0.1:PORT"}, ...]}, then
serves until its standard input closes (the test that started it is gone) or --lifetime passes (default 900 s).

The control port takes one command per line and answers "ok ..." or "error ...":
    fault N MODE [ARG]   proxy N misbehaves from now on; its open connections are cut so that every new exchange
                         meets the fault
    stats N              "ok connections=C bytes_out=B" for proxy N

MODE is one of
    pass                 forward both ways (the default)
    stall                accept, read the request, never answer
    dribble MS           forward the gateway's answer one byte every MS milliseconds
    truncate BYTES       forward the first BYTES bytes of each answer, then close
    reset                close with a TCP reset (SO_LINGER 0) once the request came (or after 200 ms)
    garbage              answer 4 KiB of random bytes, control characters included, then close
    duplicate            forward the answer with every line sent twice
    reorder              forward the answer's lines in reverse order (collected until the gateway closes or is
                         quiet for 300 ms)
    endless              answer without end: an HTTP 200 with an endless chunked body to an HTTP request, endless
                         lines otherwise (as fast as the client reads; bounded by --lifetime)
    refuse               stop listening: connections are refused until another mode is set

Everything listens on 127.0.0.1 only. Nothing here is a gateway: the answers come from the real one, or are the
fault itself.
"""
import argparse
import asyncio
import json
import os
import random
import socket
import struct
import sys

CHUNK = 64 * 1024


class Proxy:
    def __init__(self, index, upstream):
        self.index = index
        host, port = upstream.rsplit(":", 1)
        if host not in ("127.0.0.1", "localhost"):
            raise SystemExit(f"chaosproxy: upstream {upstream} is not on 127.0.0.1")
        self.upstream = ("127.0.0.1", int(port))
        self.mode = "pass"
        self.arg = 0
        self.server = None
        self.port = 0
        self.connections = 0
        self.bytes_out = 0
        self.tasks = set()
        self.writers = set()

    async def listen(self):
        self.server = await asyncio.start_server(self.handle, "127.0.0.1", self.port, reuse_address=True)
        self.port = self.server.sockets[0].getsockname()[1]

    async def stop_listening(self):
        if self.server is not None:
            self.server.close()
            await self.server.wait_closed()
            self.server = None

    def cut_all(self):
        for w in list(self.writers):
            abort(w)
        self.writers.clear()

    async def set_fault(self, mode, arg):
        self.cut_all()
        self.mode, self.arg = mode, arg
        if mode == "refuse":
            await self.stop_listening()
        elif self.server is None:
            await self.listen()

    async def handle(self, reader, writer):
        self.connections += 1
        self.writers.add(writer)
        mode, arg = self.mode, self.arg
        try:
            await self.serve(mode, arg, reader, writer)
        except (ConnectionError, OSError, asyncio.IncompleteReadError):
            pass
        finally:
            self.writers.discard(writer)
            abort(writer) if mode == "reset" else close(writer)

    async def first_request(self, reader):
        """The client's first bytes, if it sends any within 200 ms (a Varnish client waits for the greeting)."""
        try:
            return await asyncio.wait_for(reader.read(CHUNK), 0.2)
        except asyncio.TimeoutError:
            return b""

    async def send(self, writer, data):
        writer.write(data)
        self.bytes_out += len(data)
        await writer.drain()

    async def serve(self, mode, arg, reader, writer):
        if mode == "stall":
            while await reader.read(CHUNK):
                pass
            return
        if mode == "reset":
            await self.first_request(reader)
            return  # handle() closes with a reset
        if mode == "garbage":
            await self.first_request(reader)
            await self.send(writer, bytes(random.getrandbits(8) for _ in range(4096)))
            return
        if mode == "endless":
            request = await self.first_request(reader)
            if request[:8].split(b" ")[0] in (b"GET", b"POST", b"PUT", b"PATCH", b"DELETE", b"HEAD"):
                await self.send(writer, b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
                                        b"Transfer-Encoding: chunked\r\n\r\n")
                chunk = b"%x\r\n" % CHUNK + b"[" * CHUNK + b"\r\n"
            else:
                chunk = (b"x" * 1023 + b"\n") * 64
            while True:
                await self.send(writer, chunk)
        up_reader, up_writer = await asyncio.open_connection(*self.upstream)
        self.writers.add(up_writer)
        try:
            forward = asyncio.ensure_future(self.client_to_upstream(reader, up_writer))
            try:
                await self.upstream_to_client(mode, arg, up_reader, writer)
            finally:
                forward.cancel()
        finally:
            self.writers.discard(up_writer)
            close(up_writer)

    async def client_to_upstream(self, reader, up_writer):
        # An HTTP admin API may check the Host header against its own address (Caddy answers 403 otherwise): the
        # proxy's address is replaced by the gateway's, as a transparent proxy would leave it.
        ours = b"Host: 127.0.0.1:%d\r\n" % self.port
        theirs = b"Host: 127.0.0.1:%d\r\n" % self.upstream[1]
        try:
            while True:
                data = await reader.read(CHUNK)
                if not data:
                    if up_writer.can_write_eof():
                        up_writer.write_eof()
                    return
                up_writer.write(data.replace(ours, theirs))
                await up_writer.drain()
        except (ConnectionError, OSError):
            pass

    async def upstream_to_client(self, mode, arg, up_reader, writer):
        sent = 0
        pending = b""
        while True:
            if mode == "reorder":
                try:
                    data = await asyncio.wait_for(up_reader.read(CHUNK), 0.3)
                except asyncio.TimeoutError:
                    data = None  # quiet: send what came, reversed
                if data:
                    pending += data
                    continue
                lines = pending.split(b"\n")
                tail = lines.pop() if not pending.endswith(b"\n") else b""
                if pending.endswith(b"\n"):
                    lines.pop()
                lines.reverse()
                if lines or tail:
                    await self.send(writer, b"".join(line + b"\n" for line in lines) + tail)
                pending = b""
                if data is None:
                    continue
                return
            data = await up_reader.read(CHUNK)
            if not data:
                if pending:
                    await self.send(writer, pending)
                return
            if mode == "dribble":
                for i in range(len(data)):
                    await self.send(writer, data[i:i + 1])
                    await asyncio.sleep(max(arg, 1) / 1000.0)
            elif mode == "truncate":
                room = max(arg - sent, 0)
                if room:
                    await self.send(writer, data[:room])
                    sent += min(room, len(data))
                if sent >= arg:
                    return
            elif mode == "duplicate":
                pending += data
                lines = pending.split(b"\n")
                pending = lines.pop()
                await self.send(writer, b"".join(line + b"\n" + line + b"\n" for line in lines))
            else:
                await self.send(writer, data)


def close(writer):
    try:
        writer.close()
    except (ConnectionError, OSError, RuntimeError):
        pass


def abort(writer):
    """Closes with a TCP reset rather than a FIN."""
    sock = writer.get_extra_info("socket")
    try:
        if sock is not None:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    except OSError:
        pass
    try:
        writer.transport.abort()
    except (ConnectionError, OSError, RuntimeError, AttributeError):
        pass


MODES = {"pass", "stall", "dribble", "truncate", "reset", "garbage", "duplicate", "reorder", "endless", "refuse"}


async def control(proxies, reader, writer):
    try:
        while True:
            line = await reader.readline()
            if not line:
                return
            words = line.decode("ascii", "replace").split()
            answer = "error: empty command"
            try:
                if words and words[0] == "fault" and len(words) in (3, 4):
                    p = proxies[int(words[1])]
                    mode = words[2]
                    if mode not in MODES:
                        answer = f"error: no mode {mode}"
                    else:
                        await p.set_fault(mode, int(words[3]) if len(words) == 4 else 0)
                        answer = f"ok proxy {p.index} {mode}"
                elif words and words[0] == "stats" and len(words) == 2:
                    p = proxies[int(words[1])]
                    answer = f"ok connections={p.connections} bytes_out={p.bytes_out}"
                elif words:
                    answer = f"error: unknown command {words[0]}"
            except (ValueError, IndexError) as e:
                answer = f"error: {e}"
            writer.write((answer + "\n").encode())
            await writer.drain()
    except (ConnectionError, OSError):
        pass
    finally:
        close(writer)


async def main_async(args):
    proxies = [Proxy(i, u) for i, u in enumerate(args.upstream)]
    for p in proxies:
        await p.listen()
    ctl = await asyncio.start_server(lambda r, w: control(proxies, r, w), "127.0.0.1", 0)
    print(json.dumps({"control": ctl.sockets[0].getsockname()[1],
                      "proxies": [{"listen": p.port, "upstream": "%s:%d" % p.upstream} for p in proxies]}),
          flush=True)

    loop = asyncio.get_running_loop()
    gone = loop.create_future()

    def stdin_closed():
        if not gone.done():
            gone.set_result(None)

    # The parent holds our standard input open; when it goes (even killed), so do we.
    loop.add_reader(sys.stdin.fileno(), lambda: os.read(sys.stdin.fileno(), 4096) or stdin_closed())
    try:
        await asyncio.wait_for(gone, args.lifetime)
    except asyncio.TimeoutError:
        pass
    for p in proxies:
        p.cut_all()


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--upstream", action="append", required=True, help="127.0.0.1:PORT of a real gateway")
    p.add_argument("--lifetime", type=float, default=900.0, help="seconds before it stops by itself")
    asyncio.run(main_async(p.parse_args()))


if __name__ == "__main__":
    main()
