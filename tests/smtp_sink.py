"""A real SMTP server (aiosmtpd) on loopback for the tests and the benchmark.

    python3 tests/smtp_sink.py PORT MAILBOX_FILE

PORT 0 picks a free port. Prints "ready PORT" once it accepts connections. Every
accepted message is appended to MAILBOX_FILE as one JSON line: {"from", "to",
"data"}. Recipients whose local part starts with "reject" are refused with a
permanent 550, so tests can see how a 5xx rejection is handled. Runs until killed
or until its standard input closes.
"""

import asyncio
import json
import sys

from aiosmtpd.smtp import SMTP


class Sink:
    def __init__(self, path):
        self.path = path

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address.split("@", 1)[0].lower().startswith("reject"):
            return "550 5.1.1 <%s>: mailbox unavailable" % address
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        line = json.dumps(
            {
                "from": envelope.mail_from,
                "to": envelope.rcpt_tos,
                "data": envelope.content.decode("utf-8", "replace"),
            }
        )
        with open(self.path, "a", encoding="utf-8") as f:
            f.write(line + "\n")
        return "250 2.0.0 accepted"


async def main():
    port, path = int(sys.argv[1]), sys.argv[2]
    handler = Sink(path)
    loop = asyncio.get_running_loop()
    server = await loop.create_server(
        lambda: SMTP(handler, hostname="sink.test"), "127.0.0.1", port
    )
    print("ready %d" % server.sockets[0].getsockname()[1], flush=True)
    # Stop when the parent goes away (its end of our stdin closes).
    await loop.run_in_executor(None, sys.stdin.read)
    server.close()


if __name__ == "__main__":
    asyncio.run(main())
