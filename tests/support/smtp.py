"""A real SMTP server on loopback (aiosmtpd) that keeps what it receives.

`hold` makes the first conversation stop at a chosen step until released, so a
test can kill the sender in the middle of sending:

- "rcpt": before the message is transferred (the server never gets it);
- "data": after the server stored the message, before it answers 250 (the
  sender cannot know whether it was accepted).
"""

from __future__ import annotations

import asyncio
import email
import email.policy
import threading
from dataclasses import dataclass, field
from email.message import EmailMessage
from typing import Any

from aiosmtpd.controller import Controller

from tests.support.services import free_port


@dataclass
class SmtpSink:
    hold: str | None = None
    port: int = field(default_factory=free_port)
    messages: list[EmailMessage] = field(default_factory=list)
    sessions: int = 0
    _controller: Controller | None = None

    def __post_init__(self) -> None:
        self.holding = threading.Event()  # set when the held conversation is waiting
        self.release = threading.Event()
        self._lock = threading.Lock()

    @property
    def url(self) -> str:
        return f"smtp://127.0.0.1:{self.port}"

    async def _wait_if_held(self, step: str) -> None:
        if self.hold != step or self.release.is_set():
            return
        self.holding.set()
        while not self.release.is_set():
            await asyncio.sleep(0.02)

    async def handle_EHLO(
        self, server: Any, session: Any, envelope: Any, hostname: str, responses: list[str]
    ) -> list[str]:
        with self._lock:
            self.sessions += 1
        session.host_name = hostname
        return responses

    async def handle_RCPT(
        self, server: Any, session: Any, envelope: Any, address: str, options: list[str]
    ) -> str:
        await self._wait_if_held("rcpt")
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        message = email.message_from_bytes(envelope.content, policy=email.policy.default)
        with self._lock:
            self.messages.append(message)  # type: ignore[arg-type]
        await self._wait_if_held("data")
        return "250 Message accepted for delivery"

    def start(self) -> SmtpSink:
        self._controller = Controller(self, hostname="127.0.0.1", port=self.port)
        self._controller.start()
        return self

    def stop(self) -> None:
        self.release.set()
        if self._controller:
            self._controller.stop()

    def recipients(self) -> list[str]:
        with self._lock:
            return [str(m["To"]) for m in self.messages]

    def message_ids(self) -> list[str]:
        with self._lock:
            return [str(m["Message-ID"]) for m in self.messages]
