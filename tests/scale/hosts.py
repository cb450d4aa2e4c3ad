"""Hosts for the harness: one network namespace each (own address on a private bridge) when
``ip netns`` works as root, else processes on loopback ports of this machine.

The infrastructure (PostgreSQL, Redis, the 1MSG sandbox, the webhook receiver and the load
driver) lives in this namespace on the bridge's own address, as the hosts' "network".
"""

import os
import secrets
import shutil
import subprocess
from dataclasses import dataclass, field


@dataclass
class Host:
    name: str
    address: str
    namespace: str = ""  # empty: this machine's loopback

    def wrap(self, command: list[str]) -> list[str]:
        """``command`` as run on this host."""
        if not self.namespace:
            return command
        return ["ip", "netns", "exec", self.namespace, *command]


def _ip(*args: str, namespace: str = "") -> None:
    prefix = ["ip", "netns", "exec", namespace, "ip"] if namespace else ["ip"]
    subprocess.run([*prefix, *args], check=True, capture_output=True, timeout=10)


def _netns_works() -> bool:
    if os.geteuid() != 0 or shutil.which("ip") is None:
        return False
    probe = f"dbs-probe-{secrets.token_hex(3)}"
    try:
        _ip("netns", "add", probe)
    except (subprocess.CalledProcessError, OSError):
        return False
    _ip("netns", "del", probe)
    return True


def _free_subnet() -> str:
    """A 10.x.y.0/24 no interface of this machine uses (10.2xx: away from common defaults)."""
    used = subprocess.run(["ip", "-4", "-o", "addr"], capture_output=True, text=True).stdout
    for _ in range(50):
        prefix = f"10.{secrets.choice(range(200, 250))}.{secrets.choice(range(1, 250))}"
        if f" {prefix}." not in used:
            return prefix
    raise RuntimeError("no free 10.x.y.0/24 subnet for the harness bridge")


@dataclass
class Network:
    """``Network.create(names)``; ``close()`` removes namespaces, links and the bridge."""

    isolated: bool
    infra: str  # the address infrastructure services listen on
    hosts: dict[str, Host] = field(default_factory=dict)
    tag: str = ""

    @classmethod
    def create(cls, names: list[str], *, isolate: bool = True) -> "Network":
        if not (isolate and _netns_works()):
            return cls(False, "127.0.0.1", {n: Host(n, "127.0.0.1") for n in names})
        tag = secrets.token_hex(2)
        prefix = _free_subnet()
        network = cls(True, f"{prefix}.1", tag=tag)
        bridge = f"dbs{tag}"
        try:
            _ip("link", "add", "name", bridge, "type", "bridge")
            _ip("addr", "add", f"{prefix}.1/24", "dev", bridge)
            _ip("link", "set", bridge, "up")
            for number, name in enumerate(names, 1):
                network.hosts[name] = network._add_host(name, number, f"{prefix}.{10 + number}")
        except BaseException:
            network.close()
            raise
        return network

    def _add_host(self, name: str, number: int, address: str) -> Host:
        namespace = f"duebell-scale-{self.tag}-{name}"
        outside, inside = f"dbs{self.tag}h{number}a", f"dbs{self.tag}h{number}b"
        _ip("netns", "add", namespace)
        _ip("link", "add", outside, "type", "veth", "peer", "name", inside)
        _ip("link", "set", inside, "netns", namespace)
        _ip("link", "set", outside, "master", f"dbs{self.tag}", "up")
        _ip("addr", "add", f"{address}/24", "dev", inside, namespace=namespace)
        _ip("link", "set", inside, "up", namespace=namespace)
        _ip("link", "set", "lo", "up", namespace=namespace)
        return Host(name, address, namespace)

    def describe(self) -> str:
        if not self.isolated:
            return "loopback ports (no network namespaces: not root or no `ip netns`)"
        hosts = ", ".join(f"{h.name} {h.address}" for h in self.hosts.values())
        return f"network namespaces on bridge dbs{self.tag} ({self.infra}): {hosts}"

    def close(self) -> None:
        if not self.isolated:
            return
        for host in self.hosts.values():
            subprocess.run(["ip", "netns", "del", host.namespace], capture_output=True, timeout=10)
        subprocess.run(["ip", "link", "del", f"dbs{self.tag}"], capture_output=True, timeout=10)
