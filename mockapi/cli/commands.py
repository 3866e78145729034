"""The ``mockapi`` command: serve, db upgrade, version. Options map onto Config fields and also
read MOCKAPI_* environment variables (through load_config)."""

from __future__ import annotations

import sys
from typing import Any

import click

from ..config import load_config


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
@click.option("--event-ttl", type=int, default=None,
              help="Seconds an Event lives after its last write, as kube-apiserver's --event-ttl (default 3600; 0: forever).")
@click.option("--events/--no-events", default=None,
              help="The scheduler and kubelet record Events: Scheduled, FailedScheduling, Pulled, Created, Started "
                   "(default on).")
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
@click.option("--load", multiple=True, type=click.Path(exists=True),
              help="Manifests (YAML/JSON file, or a directory's *.yaml/*.yml/*.json) to create at start, or a "
                   "snapshot file to restore; repeatable; POST /mock/reset loads them again (MOCKAPI_LOAD, "
                   "comma-separated).")
@click.option("--seed", type=int, default=None,
              help="Reproducible uids, generated names, ClusterIPs, NodePorts and pod IPs (needs --workers 1; "
                   "MOCKAPI_SEED).")
@click.option("--journal-size", type=int, default=None,
              help="Requests kept by the request journal, GET /mock/requests (default 10000; 0: off).")
def serve(**options: object) -> None:
    """Run the API server."""
    from ..server import serve as run
    from ..state.loader import LoadError

    options["load"] = options.get("load") or None  # (click gives () when not given: keep MOCKAPI_LOAD)
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
    if config.seed is not None and config.workers > 1:
        raise click.UsageError("--seed needs --workers 1: the workers' random sequences would interleave by "
                               "request order, so nothing would be reproducible")
    if config.journal_size < 0:
        raise click.UsageError("--journal-size must be 0 (off) or more")
    try:
        run(config)
    except LoadError as exc:
        raise click.ClickException(str(exc)) from exc


@main.group()
def db() -> None:
    """Database maintenance."""


@db.command()
@click.option("--db", "url", default=None, help="SQLAlchemy URL (default from MOCKAPI_DB or sqlite:///mockapi.db).")
def upgrade(url: str | None) -> None:
    """Upgrade the database schema to the latest migration."""
    from ..storage.engine import Database
    from ..storage.migrate import HEAD
    from ..storage.migrate import upgrade as do_upgrade

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
    from ..allocators import allocators_for
    from ..allocators.repair import repair as run_repair
    from ..storage import store
    from ..storage.engine import Database
    from ..storage.migrate import upgrade as do_upgrade

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

    from .routes import fetch, render_table

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
@click.option("--server", default=None,
              help="Server URL (default http://MOCKAPI_HOST:MOCKAPI_PORT, i.e. http://127.0.0.1:8080).")
@click.option("--context", default="mockapi", show_default=True, help="Name of the context (and cluster).")
@click.option("--namespace", default="default", show_default=True, help="The context's namespace.")
@click.option("-o", "--output", type=click.Path(dir_okay=False, writable=True), default=None,
              help="Write the kubeconfig to this file instead of printing it.")
def kubeconfig(server: str | None, context: str, namespace: str, output: str | None) -> None:
    """Print a kubeconfig (YAML) for a running server, for kubectl and client libraries."""
    from ..testing.kubeconfig import build_kubeconfig, write_kubeconfig

    if server is None:
        config = load_config()
        host = "127.0.0.1" if config.host in ("", "0.0.0.0", "::") else config.host
        server = f"http://[{host}]:{config.port}" if ":" in host else f"http://{host}:{config.port}"
    try:
        if output:
            write_kubeconfig(output, server, context=context, namespace=namespace)
            click.echo(f"wrote {output} (context {context}, server {server})", err=True)
        else:
            click.echo(build_kubeconfig(server, context=context, namespace=namespace).rstrip("\n"))
    except ValueError as exc:
        raise click.UsageError(str(exc)) from exc


def _server_url(server: str | None) -> str:
    if server is not None:
        return server
    config = load_config()
    return f"http://{config.host}:{config.port}"


_SERVER_HELP = "Server URL (default http://MOCKAPI_HOST:MOCKAPI_PORT, i.e. http://127.0.0.1:8080)."


@main.command("requests")
@click.option("--server", default=None, help=_SERVER_HELP)
@click.option("--method", default=None, help="Only this HTTP method.")
@click.option("--path", default=None, help="Only this path (a trailing * matches a prefix).")
@click.option("--resource", default=None, help="Only this resource (pods, or pods/status).")
@click.option("--verb", default=None, help="Only this Kubernetes verb (get, list, watch, create, ...).")
@click.option("--namespace", default=None, help="Only this namespace.")
@click.option("--since", default=None, help="Only after this sequence number or RFC 3339 time.")
@click.option("--limit", type=int, default=None, help="At most this many (the oldest first).")
@click.option("-o", "--output", type=click.Choice(["table", "json"]), default="table", help="table (default) or json.")
@click.option("--clear", is_flag=True, help="Empty the journal instead of printing it.")
def requests_command(server: str | None, output: str, clear: bool, **filters: str | None) -> None:
    """Print (or clear) the request journal of a running server (GET /mock/requests)."""
    import json as json_module

    from .journal import call, requests_table

    url = _server_url(server)
    try:
        if clear:
            click.echo(call(url, "DELETE", "/mock/requests").get("message", "cleared"))
            return
        body = call(url, "GET", "/mock/requests", filters)
    except RuntimeError as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(json_module.dumps(body, indent=2) if output == "json" else requests_table(body["items"]))


@main.group()
def faults() -> None:
    """Fault injection rules of a running server (/mock/faults)."""


@faults.command("list")
@click.option("--server", default=None, help=_SERVER_HELP)
@click.option("-o", "--output", type=click.Choice(["table", "json"]), default="table", help="table (default) or json.")
def faults_list(server: str | None, output: str) -> None:
    """List the fault rules with their remaining uses and hits."""
    import json as json_module

    from .journal import call, faults_table

    try:
        body = call(_server_url(server), "GET", "/mock/faults")
    except RuntimeError as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(json_module.dumps(body, indent=2) if output == "json" else faults_table(body["items"]))


@faults.command("add")
@click.argument("rule")
@click.option("--server", default=None, help=_SERVER_HELP)
def faults_add(rule: str, server: str | None) -> None:
    """Add a rule given as JSON.

    For example '{"resource": "pods", "verb": "create", "status": 503, "times": 1}'."""
    import json as json_module

    from .journal import call

    try:
        body = json_module.loads(rule)
    except ValueError as exc:
        raise click.UsageError(f"RULE is not JSON: {exc}") from exc
    try:
        click.echo(json_module.dumps(call(_server_url(server), "POST", "/mock/faults", body=body)))
    except RuntimeError as exc:
        raise click.ClickException(str(exc)) from exc


@faults.command("delete")
@click.argument("rule_id")
@click.option("--server", default=None, help=_SERVER_HELP)
def faults_delete(rule_id: str, server: str | None) -> None:
    """Remove one rule by its id."""
    from .journal import call

    try:
        call(_server_url(server), "DELETE", f"/mock/faults/{rule_id}")
    except RuntimeError as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(f"deleted {rule_id}")


@faults.command("clear")
@click.option("--server", default=None, help=_SERVER_HELP)
def faults_clear(server: str | None) -> None:
    """Remove every rule."""
    from .journal import call

    try:
        removed = call(_server_url(server), "DELETE", "/mock/faults")["items"]
    except RuntimeError as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(f"removed {len(removed)} rules")


@main.command("reset")
@click.option("--server", default=None, help=_SERVER_HELP)
def reset_command(server: str | None) -> None:
    """Put a running server back to its initial state (POST /mock/reset)."""
    from .client import describe_reset, reset

    try:
        click.echo(describe_reset(reset(_server_url(server))))
    except RuntimeError as exc:
        raise click.ClickException(str(exc)) from exc


@main.group()
def snapshot() -> None:
    """Export or restore the whole state of a running server (/mock/snapshot)."""


@snapshot.command("export")
@click.option("--server", default=None, help=_SERVER_HELP)
@click.option("-o", "--output", type=click.Path(dir_okay=False, writable=True), default=None,
              help="Write to this file (default: standard output).")
@click.option("--format", "fmt", type=click.Choice(["json", "yaml"]), default=None,
              help="json (a List with allocations) or yaml (multi-document); default from the file name, else json.")
def snapshot_export(server: str | None, output: str | None, fmt: str | None) -> None:
    """Every object and every allocation, restorable with `mockapi snapshot import` or `serve --load`."""
    from .client import export_snapshot

    if fmt is None:
        fmt = "yaml" if output and output.lower().endswith((".yaml", ".yml")) else "json"
    try:
        data = export_snapshot(_server_url(server), fmt)
    except RuntimeError as exc:
        raise click.ClickException(str(exc)) from exc
    if output:
        with open(output, "wb") as f:
            f.write(data)
        click.echo(f"wrote {output}", err=True)
    else:
        click.echo(data.decode().rstrip("\n"))


@snapshot.command("import")
@click.argument("file", type=click.File("rb"))
@click.option("--server", default=None, help=_SERVER_HELP)
def snapshot_import(file: Any, server: str | None) -> None:
    """Replace the whole state with a snapshot FILE (JSON or YAML; - for standard input)."""
    from .client import describe_restore, import_snapshot

    try:
        click.echo(describe_restore(import_snapshot(_server_url(server), file.read(), getattr(file, "name", ""))))
    except RuntimeError as exc:
        raise click.ClickException(str(exc)) from exc


@main.command("seed")
@click.argument("value")
@click.option("--server", default=None, help=_SERVER_HELP)
def seed_command(value: str, server: str | None) -> None:
    """Seed a running server's uids, names, IPs and ports (an integer), or `none` for random again."""
    from ..state.seed import parse
    from .client import set_seed

    try:
        seed = parse(value)
    except ValueError as exc:
        raise click.UsageError(str(exc)) from exc
    try:
        answer = set_seed(_server_url(server), seed)
    except RuntimeError as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(f"seed {answer['seed']}" if answer.get("seed") is not None else "seed none (random)")


@main.command()
@click.option("-o", "--output", default="-", show_default=True,
              help="Write the document to this file ('-': standard output).")
def openapi(output: str) -> None:
    """Write openapi.yaml, generated from the registry (regenerate the committed one with -o openapi.yaml)."""
    from ..api.openapi_doc import generate

    text = generate()
    if output == "-":
        click.echo(text, nl=False)
        return
    with open(output, "w", encoding="utf-8", newline="\n") as handle:
        handle.write(text)
    click.echo(f"wrote {output}", err=True)


@main.command()
def version() -> None:
    """Print mockapi's version and the Kubernetes version it reports."""
    from importlib.metadata import version as dist_version

    click.echo(f"mockapi {dist_version('mockapi')} (kubernetes {load_config().kubernetes_version})")


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
