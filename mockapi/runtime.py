"""Runtime: everything one server process holds (config, database, registry, watch hub), built
from a Config without Flask so the CLI, tests and the app share one construction."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

from .allocators import allocators_for
from .allocators.repair import RepairReport
from .allocators.repair import repair as repair_allocations
from .config import Config
from .controllers import controllers_for, graceful
from .controllers.servicematch import ServiceIndex
from .errors import StatusError
from .registry import ALL
from .registry.events import expire as expire_events
from .registry.rest import Registry
from .storage import migrate, store
from .storage.engine import Database
from .storage.watch import WatchHub

if TYPE_CHECKING:  # (imported where used: start-up pays only for what this configuration needs)
    from .dns.server import DnsServer
    from .state.reset import Phase

log = logging.getLogger("mockapi")


class Runtime:
    def __init__(self, config: Config) -> None:
        self.config = config
        self.db = Database(config.db)
        migrate.upgrade(self.db.engine, config.db)
        with self.db.write() as conn:
            store.init_meta(conn)
        for rt in ALL:  # indexed columns a kind derives from its objects (pods: node_name)
            if rt.indexed_columns is not None:
                self.db.hooks.derive(rt.key, rt.indexed_columns)
        self.services = ServiceIndex(self.db, exclusive=config.workers <= 1)  # this server's selector index
        self.hub = WatchHub(self.db)
        self.hub.on_error = lambda exc: log.warning("watch hub: %s", exc)
        self.registry = Registry(self.db, ALL, on_commit=self.hub.notify, config=config)
        self.registry.history_window = config.history_window
        self.registry.controllers_enabled = config.controllers == "auto"
        self.registry.controllers = controllers_for(config, self.services)
        deadlines = next((c for c in self.registry.controllers if isinstance(c, graceful.GracefulDeletionController)),
                         graceful.GracefulDeletionController())
        self.reaper = graceful.Reaper(self.registry, deadlines)
        self.registry.maintenance.append(lambda txn: expire_events(txn, config.event_ttl))
        from .state.bootstrap import ensure_initial_state

        self.seed = config.seed  # POST /mock/seed changes it; POST /mock/reset re-seeds with it
        if self.seed is not None:
            self.registry.sources.seed(self.seed)
        ensure_initial_state(self.registry, config)
        self.repair_report = self.repair()
        if self.registry.controllers_enabled:  # catch up with what was stored while we were away
            for controller in self.registry.controllers:
                self.registry.write(controller.resync)
        self.load_phases = self._load(config)
        self.started = False
        self.dns: DnsServer | None = None

    def _load(self, config: Config) -> list[Phase]:
        """``--load``: read every source once and apply it (one transaction); the phases are kept for
        POST /mock/reset. Raises state.loader.LoadError with the file and the reason."""
        if not config.load:
            return []
        from .state import loader
        from .state import reset as state_reset

        try:
            phases = loader.phases(self.registry, config, loader.read_sources(config.load))
            if phases:
                state_reset.run_phases(self.registry, phases)
        except StatusError as err:
            self.db.dispose()
            raise loader.LoadError(f"--load: {err.message}") from None
        except loader.LoadError:
            self.db.dispose()
            raise
        return phases

    def reset(self, *, dry_run: bool = False) -> dict[str, Any]:
        """POST /mock/reset: the state of a fresh server with this configuration (see state.reset)."""
        from .state import reset as state_reset

        return state_reset.reset(self.registry, self.config, self.load_phases, self.seed, dry_run=dry_run)

    def set_seed(self, seed: int | None) -> None:
        """POST /mock/seed: reproducible from now on (and after every reset), or random again."""
        self.seed = seed
        self.registry.sources.seed(seed)  # None: from the OS

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
            from .dns.server import DnsServer
            from .dns.source import lookup as dns_lookup

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
        if self.seed is None:  # the master's random state was copied: every worker would repeat its uids
            self.registry.sources.reseed_from_os()

    def close(self) -> None:
        self.stop_dns()
        self.hub.stop()
        self.reaper.stop()
        self.db.dispose()
