"""Runtime: everything one server process holds (config, database, registry, watch hub), built
from a Config without Flask so the CLI, tests and the app share one construction."""

from __future__ import annotations

import logging

from .allocators import allocators_for
from .allocators.repair import RepairReport
from .allocators.repair import repair as repair_allocations
from .config import Config
from .controllers import endpoints as endpoints_controller
from .controllers import endpointslices as endpointslice_controller
from .controllers import gc as gc_controller
from .controllers import graceful, kubelet
from .controllers import namespace as namespace_controller
from .dns.server import DnsServer
from .dns.source import lookup as dns_lookup
from .registry import ALL
from .registry.rest import Registry
from .storage import migrate, store
from .storage.engine import Database
from .storage.watch import WatchHub

log = logging.getLogger("mockapi")


class Runtime:
    def __init__(self, config: Config) -> None:
        self.config = config
        self.db = Database(config.db)
        migrate.upgrade(self.db.engine, config.db)
        with self.db.write() as conn:
            store.init_meta(conn)
        self.hub = WatchHub(self.db)
        self.hub.on_error = lambda exc: log.warning("watch hub: %s", exc)
        self.registry = Registry(self.db, ALL, on_commit=self.hub.notify, config=config)
        self.registry.history_window = config.history_window
        self.registry.controllers_enabled = config.controllers == "auto"
        self.registry.controllers.append(namespace_controller.run)
        if config.kubelet == "on":
            self.registry.controllers.append(kubelet.controller)
        if config.graceful_deletion:
            self.registry.controllers.append(graceful.controller)
        self.registry.controllers.append(gc_controller.controller)
        self.registry.controllers.append(endpoints_controller.run)
        self.registry.controllers.append(endpointslice_controller.run)
        self.reaper = graceful.Reaper(self.registry)
        from .bootstrap import ensure_initial_state

        ensure_initial_state(self.registry, config)
        self.repair_report = self.repair()
        if self.registry.controllers_enabled:  # catch up with what was stored while we were away
            self.registry.write(gc_controller.controller.resync)
            if config.kubelet == "on":
                self.registry.write(kubelet.controller.resync)
            self.registry.write(endpoints_controller.resync)
            self.registry.write(endpointslice_controller.resync)
        self.started = False
        self.dns: DnsServer | None = None

    def repair(self) -> RepairReport:
        """The allocation repair pass (also ``mockapi repair``): logged at info when it fixed something."""
        allocs = allocators_for(self.config.service_cidr, self.config.node_port_range, self.config.lb_pool)
        with self.db.write() as conn:
            report = repair_allocations(conn, allocs)
        if report.problems:
            log.info("allocation repair: %s", "; ".join(report.lines()))
        return report

    def start(self) -> None:
        """Start background threads (call in the serving process, after any fork)."""
        if not self.started:
            self.hub.start()
            if self.config.graceful_deletion:
                self.reaper.start()
            self.start_dns()
            self.started = True

    def start_dns(self) -> None:
        """The ``--dns-port`` server on the bind host (one per host:port; see dns.server)."""
        if self.config.dns_port and self.dns is None:
            zone, db = self.config.cluster_domain, self.db
            server = DnsServer(lambda name, qtype: dns_lookup(db, name, qtype, zone), zone,
                               self.config.host, self.config.dns_port)
            if server.start():
                self.dns = server

    def stop_dns(self) -> None:
        if self.dns is not None:
            self.dns.stop()
            self.dns = None

    def after_fork(self) -> None:
        if not self.db.is_memory:
            self.db.engine.dispose(close=False)

    def close(self) -> None:
        self.stop_dns()
        self.hub.stop()
        self.reaper.stop()
        self.db.dispose()
