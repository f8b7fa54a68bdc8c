"""A graphql-transport-ws client for the tests: subscribe, then collect what arrives."""

import asyncio
import contextlib
import json
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import websockets


class Subscriber:
    def __init__(self, socket: websockets.ClientConnection) -> None:
        self.socket = socket
        self.messages: list[dict[str, Any]] = []
        self._arrived = asyncio.Condition()
        self._reader = asyncio.create_task(self._read())

    async def _read(self) -> None:
        async for raw in self.socket:
            message = json.loads(raw)
            if message.get("type") == "ping":
                await self.socket.send(json.dumps({"type": "pong"}))
                continue
            async with self._arrived:
                self.messages.append(message)
                self._arrived.notify_all()

    async def subscribe(self, operation_id: str, query: str, variables: dict[str, Any]) -> None:
        payload = {"query": query, "variables": variables}
        await self.socket.send(
            json.dumps({"id": operation_id, "type": "subscribe", "payload": payload})
        )

    def events(self, operation_id: str) -> list[dict[str, Any]]:
        """The `data` of every `next` message of the operation so far."""
        return [
            message["payload"]["data"]
            for message in self.messages
            if message.get("id") == operation_id and message["type"] == "next"
        ]

    def errors(self, operation_id: str) -> list[dict[str, Any]]:
        found: list[dict[str, Any]] = []
        for message in self.messages:
            if message.get("id") != operation_id:
                continue
            if message["type"] == "error":
                found.extend(message["payload"])
            if message["type"] == "next":
                found.extend(message["payload"].get("errors", []))
        return found

    async def wait_for(self, operation_id: str, count: int, within: float) -> list[dict[str, Any]]:
        """The operation's events once there are `count` of them (or all of them after
        `within` seconds)."""

        async def enough() -> None:
            async with self._arrived:
                await self._arrived.wait_for(lambda: len(self.events(operation_id)) >= count)

        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(enough(), within)
        return self.events(operation_id)

    async def close(self) -> None:
        self._reader.cancel()
        await self.socket.close()


@asynccontextmanager
async def subscriber(base: str, token: str | None) -> AsyncIterator[Subscriber]:
    url = base.replace("http://", "ws://") + "/graphql"
    async with websockets.connect(url, subprotocols=["graphql-transport-ws"]) as socket:  # type: ignore[list-item]
        init: dict[str, Any] = {"type": "connection_init"}
        if token is not None:
            init["payload"] = {"Authorization": f"Bearer {token}"}
        await socket.send(json.dumps(init))
        frame = await asyncio.wait_for(socket.recv(), 10)
        # A browser's client (graphql-ws) reads a binary frame as a Blob and drops the socket.
        assert isinstance(frame, str), f"graphql-transport-ws frames are text, got {frame!r}"
        ack = json.loads(frame)
        assert ack["type"] == "connection_ack", ack
        client = Subscriber(socket)
        try:
            yield client
        finally:
            await client.close()
