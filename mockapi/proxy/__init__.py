"""kube-proxy's view of the cluster, pure: ``model`` (Services + EndpointSlices + Nodes -> per-node
routing model), ``iptables`` (iptables-save text as kube-proxy's iptables mode would program it) and
``trace`` (one packet through those rules). No Flask, no storage: ``mockapi.api.mock.routing_table`` feeds it."""
