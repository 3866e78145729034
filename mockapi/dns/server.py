"""A real DNS server (UDP and TCP) answering cluster names from ``records`` through a lookup function,
built on dnslib's server classes. Authoritative for the cluster zone and the reverse zones; other names
are REFUSED (it is not a recursive resolver). No Flask, no storage: the caller passes ``lookup``.

Several gunicorn workers may each try to start one: the TCP listener refuses a second bind and UDP
is bound without SO_REUSEADDR, so the first worker to bind serves DNS and the others skip it (every
worker reads the same database, so any of them answers the same). A restarted worker binds again.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from dnslib import QTYPE, RCODE, RR, DNSRecord  # type: ignore[import-untyped]
from dnslib.server import BaseResolver, DNSLogger  # type: ignore[import-untyped]
from dnslib.server import DNSServer as _DNSServer
from dnslib.server import TCPServer as _TCPServer
from dnslib.server import UDPServer as _UDPServer

from .records import TYPES, Answer, fqdn

log = logging.getLogger("mockapi.dns")
Lookup = Callable[[str, str], Answer]


class _ExclusiveUDPServer(_UDPServer):
    """dnslib's threaded UDP server without SO_REUSEADDR: on Linux that option lets a second process
    bind the same UDP port and silently take its traffic."""

    def server_bind(self) -> None:
        self.allow_reuse_address = False
        super().server_bind()


class ClusterResolver(BaseResolver):  # type: ignore[misc]
    """dnslib resolver: one ``lookup(name, type)`` per question; answers are authoritative."""

    def __init__(self, lookup: Lookup, zone: str) -> None:
        self.lookup = lookup
        self.zone = fqdn(zone)

    def _ours(self, name: str) -> bool:
        return any(name == z or name.endswith("." + z) for z in (self.zone, "in-addr.arpa.", "ip6.arpa."))

    def resolve(self, request: DNSRecord, handler: Any) -> DNSRecord:
        reply = request.reply()
        qname = fqdn(str(request.q.qname))
        if not self._ours(qname):
            reply.header.rcode = RCODE.REFUSED
            reply.header.aa = 0
            return reply
        qtype = QTYPE.get(request.q.qtype, "")
        try:
            # types we hold no records of (MX, ANY ...): only whether the name exists matters
            ans = self.lookup(qname, qtype if qtype in TYPES else "TXT")
        except Exception:
            log.exception("dns lookup of %s %s failed", qname, qtype)
            reply.header.rcode = RCODE.SERVFAIL
            return reply
        if ans.rcode == "NXDOMAIN":
            reply.header.rcode = RCODE.NXDOMAIN
        elif qtype in TYPES:
            for rec in ans.answers:
                for rr in RR.fromZone(f"{_zone_name(rec['name'])} {rec['ttl']} IN {rec['type']} {rec['data']}"):
                    reply.add_answer(rr)
        return reply


def _zone_name(name: str) -> str:
    return name if name.endswith(".") else name + "."


class DnsServer:
    """UDP and TCP listeners on (host, port) in daemon threads; ``stop`` closes both."""

    def __init__(self, lookup: Lookup, zone: str, host: str, port: int) -> None:
        self.resolver = ClusterResolver(lookup, zone)
        self.host, self.port = host, port
        self._servers: list[_DNSServer] = []

    def start(self) -> bool:
        """Bind both listeners and serve; False (nothing left bound) when the port is taken."""
        logger = DNSLogger("-request,-reply,-truncated,-error,-recv,-send,-data", False,
                           lambda text: log.debug("%s", text))
        try:
            tcp = _DNSServer(self.resolver, self.host, self.port, True, logger, server=_TCPServer)
            self._servers.append(tcp)
            udp = _DNSServer(self.resolver, self.host, self.port, False, logger, server=_ExclusiveUDPServer)
            self._servers.append(udp)
        except OSError as exc:
            log.info("dns server not started on %s:%s: %s", self.host, self.port, exc)
            self.stop()
            return False
        for server in self._servers:
            server.start_thread()
        log.info("dns server on %s:%s (udp, tcp)", self.host, self.port)
        return True

    def stop(self) -> None:
        for server in self._servers:
            if getattr(server, "thread", None) is not None:
                server.server.shutdown()
            server.server.server_close()
        self._servers = []
