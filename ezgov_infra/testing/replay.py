"""Recorded outputs for unit tests: a replaying SSH session and `<key>.txt` folders read back as `{key: text}`."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path


class ReplaySession:
    """Answers commands from recorded outputs, like a netmiko connection (`send_command`)."""

    def __init__(self, outputs: Mapping[str, str]) -> None:
        self.outputs = dict(outputs)
        self.sent: list[str] = []

    def send_command(self, command: str, **_: object) -> str:
        self.sent.append(command)
        return self.outputs.get(command, f"% Invalid input detected at '^' marker: {command}")

    def disconnect(self) -> None:
        return None


def recorded_outputs(folder: Path) -> dict[str, str]:
    """`<key>.txt` files of a snapshot or recording folder as `{key: text}`."""
    return {p.stem: p.read_text(encoding="utf-8") for p in sorted(folder.glob("*.txt"))}
