"""A local 1MSG: a real HTTP server speaking the contract, for tests, benchmarks and the demo."""

from notifications.sandbox.server import SCRIPT, Sandbox, SandboxConfig

__all__ = ["SCRIPT", "Sandbox", "SandboxConfig"]
