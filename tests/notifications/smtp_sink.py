"""A local SMTP server for tests and benchmarks (no Django needed)."""


def free_port(host: str = "127.0.0.1") -> int:
    import socket

    with socket.socket() as sock:
        sock.bind((host, 0))
        return sock.getsockname()[1]


class SmtpSink:
    """An aiosmtpd server on a free loopback port; ``refuse`` / ``stall`` shape its answers."""

    def __init__(self, *, refuse: str = "", stall_seconds: float = 0.0, host: str = "127.0.0.1"):
        self.refuse, self.stall_seconds, self.host = refuse, stall_seconds, host
        self.received: list = []

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if self.refuse and address == self.refuse:
            return "550 5.1.1 No such user here"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        import asyncio

        if self.stall_seconds:
            await asyncio.sleep(self.stall_seconds)
        self.received.append(envelope)
        return "250 Message accepted for delivery"

    def __enter__(self):
        from aiosmtpd.controller import Controller

        self.controller = Controller(self, hostname=self.host, port=free_port(self.host))
        self.controller.start()
        self.port = self.controller.port
        return self

    def __exit__(self, *exc):
        self.controller.stop()
