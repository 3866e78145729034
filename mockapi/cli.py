"""The ``mockapi`` command: serve, db upgrade, version. Options map onto Config fields and also
read MOCKAPI_* environment variables (through load_config)."""

from __future__ import annotations

import sys

import click

from .config import load_config


@click.group()
def main() -> None:
    """mockapi: a Kubernetes-compatible control plane for tests."""


@main.command()
@click.option("--host", default=None, help="Address to bind (default 127.0.0.1; MOCKAPI_HOST).")
@click.option("--port", type=int, default=None, help="Port (default 8080; MOCKAPI_PORT).")
@click.option("--db", default=None, help="SQLAlchemy URL (default sqlite:///mockapi.db; sqlite:// = memory).")
@click.option("--nodes", type=int, default=None, help="Simulated nodes node-1..node-N (default 3).")
@click.option("--pod-cidr", default=None, help="Pod network; each node gets a /24 (default 10.244.0.0/16).")
@click.option("--service-cidr", default=None,
              help="Service ClusterIP range(s), comma-separated for dual-stack (default 10.96.0.0/12).")
@click.option("--node-port-range", default=None, help="NodePort range (default 30000-32767).")
@click.option("--lb-pool", default=None, help="LoadBalancer ingress IP pool (default 198.51.100.0/24).")
@click.option("--kubernetes-version", default=None, help="Version reported by /version (default v1.31.4).")
@click.option("--workers", type=int, default=None, help="Worker processes (default 1).")
@click.option("--threads", type=int, default=None, help="Threads per worker (default 256).")
@click.option("--kubelet", type=click.Choice(["on", "off"]), default=None,
              help="Simulated scheduler and kubelet: bind, start and ready pods (default on; MOCKAPI_KUBELET).")
@click.option("--graceful-deletion/--no-graceful-deletion", default=None,
              help="Deleted pods on a node stay terminating for their grace period (default off).")
@click.option("--controllers", type=click.Choice(["auto", "manual"]), default=None,
              help="auto (default): controllers run inside every write; manual: only on POST /mock/reconcile.")
@click.option("--max-endpoints-per-slice", type=int, default=None,
              help="Endpoints per EndpointSlice written by the controller (1..1000, default 100).")
@click.option("--cluster-domain", default=None, help="Cluster DNS zone (default cluster.local).")
@click.option("--dns-port", type=int, default=None,
              help="Also serve cluster DNS (UDP and TCP) on the bind host at this port (default 0: off).")
@click.option("--log-level", default=None, help="debug, info, warning (default), error.")
@click.option("--access-log/--no-access-log", default=None, help="Log every request.")
def serve(**options: object) -> None:
    """Run the API server."""
    from .server import serve as run

    try:
        config = load_config(options)
    except (TypeError, ValueError) as exc:
        raise click.UsageError(str(exc)) from exc
    if config.nodes < 0 or config.nodes > 256:
        raise click.UsageError("--nodes must be between 0 and 256")
    if config.controllers not in ("auto", "manual"):
        raise click.UsageError("--controllers must be auto or manual")
    if not 1 <= config.max_endpoints_per_slice <= 1000:
        raise click.UsageError("--max-endpoints-per-slice must be between 1 and 1000")
    if config.kubelet not in ("on", "off"):
        raise click.UsageError("--kubelet must be on or off")
    if not 0 <= config.dns_port <= 65535:
        raise click.UsageError("--dns-port must be between 0 and 65535")
    run(config)


@main.group()
def db() -> None:
    """Database maintenance."""


@db.command()
@click.option("--db", "url", default=None, help="SQLAlchemy URL (default from MOCKAPI_DB or sqlite:///mockapi.db).")
def upgrade(url: str | None) -> None:
    """Upgrade the database schema to the latest migration."""
    from .storage.engine import Database
    from .storage.migrate import HEAD, upgrade as do_upgrade

    config = load_config({"db": url})
    database = Database(config.db)
    outcome = do_upgrade(database.engine, config.db)
    click.echo(f"{config.db}: {outcome} (at {HEAD})")


@main.command()
@click.option("--db", "url", default=None, help="SQLAlchemy URL (default from MOCKAPI_DB or sqlite:///mockapi.db).")
@click.option("--service-cidr", default=None, help="Service ClusterIP range(s) (default 10.96.0.0/12).")
@click.option("--node-port-range", default=None, help="NodePort range (default 30000-32767).")
@click.option("--lb-pool", default=None, help="LoadBalancer ingress IP pool (default 198.51.100.0/24).")
def repair(url: str | None, **ranges: str | None) -> None:
    """Re-reserve what stored Services hold and free leaked allocations; print what was fixed."""
    from .allocators import allocators_for
    from .allocators.repair import repair as run_repair
    from .storage import store
    from .storage.engine import Database
    from .storage.migrate import upgrade as do_upgrade

    try:
        config = load_config({"db": url, **ranges})
        allocs = allocators_for(config.service_cidr, config.node_port_range, config.lb_pool)
    except (TypeError, ValueError) as exc:
        raise click.UsageError(str(exc)) from exc
    database = Database(config.db)
    try:
        do_upgrade(database.engine, config.db)
        with database.write() as conn:
            store.init_meta(conn)
            report = run_repair(conn, allocs)
    finally:
        database.dispose()
    for line in report.lines():
        click.echo(line)


@main.command()
@click.option("--server", default=None,
              help="Server URL (default http://MOCKAPI_HOST:MOCKAPI_PORT, i.e. http://127.0.0.1:8080).")
@click.option("--node", default=None, help="One node only.")
@click.option("--format", "fmt", type=click.Choice(["table", "json", "iptables"]), default="table",
              help="table (default), json, or iptables (iptables-save text per node).")
def routes(server: str | None, node: str | None, fmt: str) -> None:
    """Print the routing table (what kube-proxy would program) of a running server."""
    import json as json_module

    from .routes_cli import fetch, render_table

    if server is None:
        config = load_config()
        server = f"http://{config.host}:{config.port}"
    try:
        text = fetch(server, node, fmt)
    except RuntimeError as exc:
        raise click.ClickException(str(exc)) from exc
    if fmt == "table":
        text = render_table(json_module.loads(text))
    elif fmt == "json":
        text = json_module.dumps(json_module.loads(text), indent=2)
    click.echo(text.rstrip("\n"))


@main.command()
def version() -> None:
    """Print mockapi's version and the Kubernetes version it reports."""
    from importlib.metadata import version as dist_version

    click.echo(f"mockapi {dist_version('mockapi')} (kubernetes {load_config().kubernetes_version})")


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
