"""Service strategy units, without HTTP: SetDefaults_Service (§1.1), ValidateService and its update
rules (§1.2–1.11) with Kubernetes' field paths and wording, update preparation (patchAllocatedValues,
normalizeClusterIPs, dropTypeDependentFields) and IP-family initialisation (§1.5)."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from mockapi.allocators import allocators_for
from mockapi.errors import StatusError
from mockapi.registry.services import SERVICES
from mockapi.registry.services.allocation import init_ip_family_fields

S = SERVICES.strategy


def svc(name: str = "web", annotations: dict[str, str] | None = None, **spec: Any) -> dict[str, Any]:
    meta: dict[str, Any] = {"name": name, "namespace": "default"}
    if annotations:
        meta["annotations"] = annotations
    return {"metadata": meta, "spec": spec}


def defaulted(**spec: Any) -> dict[str, Any]:
    obj = svc(**spec)
    S.default(obj)
    S.prepare_for_create(obj)
    return obj


def causes(obj: dict[str, Any]) -> list[tuple[str, str, str]]:
    return [(c["reason"], c["field"], c["message"]) for c in S.validate(obj)]


def fields(obj: dict[str, Any]) -> list[str]:
    return [c["field"] for c in S.validate(obj)]


PORT = [{"port": 80}]


# -- §1.1 defaulting -----------------------------------------------------------------------------------

def test_defaults_of_a_minimal_service() -> None:
    obj = defaulted(ports=[{"port": 80}])
    assert obj["spec"] == {"ports": [{"protocol": "TCP", "port": 80, "targetPort": 80}], "type": "ClusterIP",
                           "sessionAffinity": "None", "internalTrafficPolicy": "Cluster"}
    assert obj["status"] == {"loadBalancer": {}}


@pytest.mark.parametrize("type_, etp", [("NodePort", "Cluster"), ("LoadBalancer", "Cluster"), ("ClusterIP", None),
                                        ("ExternalName", None)])
def test_external_traffic_policy_defaults_only_when_externally_accessible(type_: str, etp: str | None) -> None:
    assert defaulted(type=type_, ports=PORT)["spec"].get("externalTrafficPolicy") == etp
    with_external_ips = defaulted(type="ClusterIP", externalIPs=["192.0.2.1"], ports=PORT)
    assert with_external_ips["spec"]["externalTrafficPolicy"] == "Cluster"


def test_type_dependent_defaults() -> None:
    lb = defaulted(type="LoadBalancer", ports=PORT)["spec"]
    assert lb["allocateLoadBalancerNodePorts"] is True and lb["internalTrafficPolicy"] == "Cluster"
    en = defaulted(type="ExternalName", externalName="example.com")["spec"]
    assert "internalTrafficPolicy" not in en and "allocateLoadBalancerNodePorts" not in en


def test_session_affinity_defaults() -> None:
    assert "sessionAffinityConfig" not in defaulted(ports=PORT, sessionAffinityConfig={"clientIP": {}})["spec"]
    client_ip = defaulted(ports=PORT, sessionAffinity="ClientIP")["spec"]
    assert client_ip["sessionAffinityConfig"] == {"clientIP": {"timeoutSeconds": 10800}}
    kept = defaulted(ports=PORT, sessionAffinity="ClientIP", sessionAffinityConfig={"clientIP": {"timeoutSeconds": 60}})
    assert kept["spec"]["sessionAffinityConfig"]["clientIP"]["timeoutSeconds"] == 60


def test_ports_default_protocol_and_target_port() -> None:
    ports = defaulted(ports=[{"name": "a", "port": 53, "protocol": "UDP"}, {"name": "b", "port": 80,
                                                                            "targetPort": "http"},
                             {"name": "c", "port": 81, "targetPort": 0}])["spec"]["ports"]
    assert [(p["protocol"], p["targetPort"]) for p in ports] == [("UDP", 53), ("TCP", "http"), ("TCP", 81)]


def test_go_zero_values_and_nulls_are_dropped_and_an_empty_selector_is_none() -> None:
    spec = defaulted(ports=[{"port": 80, "nodePort": 0, "name": ""}], selector={}, clusterIP="",
                     externalIPs=[], publishNotReadyAddresses=False, healthCheckNodePort=0,
                     loadBalancerClass=None)["spec"]
    assert spec == {"ports": [{"protocol": "TCP", "port": 80, "targetPort": 80}], "type": "ClusterIP",
                    "sessionAffinity": "None", "internalTrafficPolicy": "Cluster"}


def test_load_balancer_ingress_ip_mode_defaults_to_vip() -> None:
    obj = svc(type="LoadBalancer", ports=PORT)
    obj["status"] = {"loadBalancer": {"ingress": [{"ip": "192.0.2.1"}, {"hostname": "lb.example"}]}}
    S.default(obj)
    assert obj["status"]["loadBalancer"]["ingress"] == [{"ip": "192.0.2.1", "ipMode": "VIP"},
                                                         {"hostname": "lb.example"}]


def test_create_copies_cluster_ip_into_cluster_ips() -> None:
    assert defaulted(clusterIP="10.96.0.5", ports=PORT)["spec"]["clusterIPs"] == ["10.96.0.5"]
    assert "clusterIP" not in defaulted(clusterIPs=["10.96.0.5"], ports=PORT)["spec"]  # plural alone: no


# -- §1.2–1.9 validation -------------------------------------------------------------------------------

def test_a_valid_service_of_each_type_has_no_causes() -> None:
    for spec in ({"ports": PORT}, {"type": "NodePort", "ports": PORT}, {"type": "LoadBalancer", "ports": PORT},
                 {"clusterIP": "None"}, {"type": "ExternalName", "externalName": "example.com."}):
        assert causes(defaulted(**spec)) == [], spec


def test_types() -> None:
    assert causes(defaulted(type="Bogus", ports=PORT)) == [
        ("FieldValueNotSupported", "spec.type",
         'Unsupported value: "Bogus": supported values: "ClusterIP", "ExternalName", "LoadBalancer", "NodePort"')]
    assert causes(defaulted(ports=[])) == [("FieldValueRequired", "spec.ports", "Required value")]
    for type_ in ("NodePort", "LoadBalancer"):
        assert causes(defaulted(type=type_, clusterIP="None", ports=PORT)) == [
            ("FieldValueInvalid", "spec.clusterIPs[0]",
             f"Invalid value: \"None\": may not be set to 'None' for {type_} services")]
    assert causes(defaulted(ports=[{"port": 80, "nodePort": 30080}])) == [
        ("FieldValueForbidden", "spec.ports[0].nodePort", "Forbidden: may not be used when `type` is 'ClusterIP'")]


def test_external_name() -> None:
    assert causes(defaulted(type="ExternalName")) == [("FieldValueRequired", "spec.externalName",
                                                       "Required value")]
    assert fields(defaulted(type="ExternalName", externalName="Not_A_Host")) == ["spec.externalName"]
    en = defaulted(type="ExternalName", externalName="x.example", clusterIP="10.96.0.5", ipFamilies=["IPv4"],
                   ipFamilyPolicy="SingleStack")
    assert causes(en) == [
        ("FieldValueForbidden", "spec.clusterIPs", "Forbidden: may not be set for ExternalName services"),
        ("FieldValueForbidden", "spec.ipFamilies", "Forbidden: may not be set for ExternalName services"),
        ("FieldValueForbidden", "spec.ipFamilyPolicy", "Forbidden: may not be set for ExternalName services")]


def test_ports() -> None:
    two_unnamed = defaulted(ports=[{"port": 80}, {"port": 81}])
    assert fields(two_unnamed) == ["spec.ports[0].name", "spec.ports[1].name"]
    bad = defaulted(ports=[{"name": "Http", "port": 0, "protocol": "ICMP", "targetPort": "very-long-port-name",
                            "appProtocol": "bad proto"}])
    assert causes(bad) == [
        ("FieldValueInvalid", "spec.ports[0].name", ('Invalid value: "Http": a lowercase RFC 1123 label must consist'
         " of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character "
         "(e.g. 'my-name',  or '123-abc', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')")),
        ("FieldValueInvalid", "spec.ports[0].port", "Invalid value: 0: must be between 1 and 65535, inclusive"),
        ("FieldValueNotSupported", "spec.ports[0].protocol",
         'Unsupported value: "ICMP": supported values: "SCTP", "TCP", "UDP"'),
        ("FieldValueInvalid", "spec.ports[0].targetPort",
         'Invalid value: "very-long-port-name": must be no more than 15 characters'),
        ("FieldValueInvalid", "spec.ports[0].appProtocol", ('Invalid value: "bad proto": name part must consist of '
         "alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. "
         "'MyName',  or 'my.name',  or '123-abc', regex used for validation is "
         "'([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')"))]
    assert fields(defaulted(ports=[{"port": 80, "targetPort": "8080"}])) == ["spec.ports[0].targetPort"]
    assert fields(defaulted(ports=[{"port": 80, "targetPort": 70000}])) == ["spec.ports[0].targetPort"]
    long_name = "a" * 63  # a DNS-1123 label, not the 15-character IANA rule
    assert causes(defaulted(ports=[{"name": long_name, "port": 80}])) == []


def test_port_uniqueness() -> None:
    dup_name = defaulted(ports=[{"name": "a", "port": 80}, {"name": "a", "port": 81}])
    assert causes(dup_name) == [("FieldValueDuplicate", "spec.ports[1].name", 'Duplicate value: "a"')]
    assert causes(defaulted(ports=[{"name": "a", "port": 53}, {"name": "b", "port": 53, "protocol": "UDP"}])) == []
    dup = defaulted(ports=[{"name": "a", "port": 80}, {"name": "b", "port": 80}])
    assert causes(dup) == [("FieldValueDuplicate", "spec.ports[1]",
                            ('Duplicate value: core.ServicePort{Name:"", Protocol:"TCP", AppProtocol:(*string)(nil), '
                            'Port:80, TargetPort:intstr.IntOrString{Type:0, IntVal:0, StrVal:""}, NodePort:0}'))]
    node_ports = defaulted(type="NodePort", ports=[{"name": "a", "port": 80, "nodePort": 30080},
                                                   {"name": "b", "port": 81, "nodePort": 30080},
                                                   {"name": "c", "port": 82, "nodePort": 30080, "protocol": "UDP"}])
    assert causes(node_ports) == [("FieldValueDuplicate", "spec.ports[1].nodePort", "Duplicate value: 30080")]


def test_selector_is_a_label_map() -> None:
    assert fields(defaulted(ports=PORT, selector={"app": "bad value!"})) == ["spec.selector"]
    assert fields(defaulted(ports=PORT, selector={"-bad": "x"})) == ["spec.selector"]


def test_session_affinity() -> None:
    assert causes(defaulted(ports=PORT, sessionAffinity="Sticky")) == [
        ("FieldValueNotSupported", "spec.sessionAffinity",
         'Unsupported value: "Sticky": supported values: "ClientIP", "None"')]
    for timeout in (0, 86401):
        obj = defaulted(ports=PORT, sessionAffinity="ClientIP",
                        sessionAffinityConfig={"clientIP": {"timeoutSeconds": timeout}})
        assert causes(obj) == [("FieldValueInvalid", "spec.sessionAffinityConfig.clientIP.timeoutSeconds",
                                f"Invalid value: {timeout}: must be greater than 0 and less than 86400")]


def test_cluster_ips_related_fields() -> None:
    def check(**spec: Any) -> list[tuple[str, str, str]]:
        return causes(defaulted(ports=PORT, **spec))

    assert check(clusterIP="10.96.0.5", clusterIPs=["10.96.0.6"]) == [
        ("FieldValueInvalid", "spec.clusterIPs", ('Invalid value: []string{"10.96.0.6"}: first value must match '
         "`clusterIP`"))]
    assert check(clusterIPs=["10.96.0.6"]) == [
        ("FieldValueInvalid", "spec.clusterIPs", ('Invalid value: []string{"10.96.0.6"}: must be empty when '
         "`clusterIP` is not specified"))]
    assert check(clusterIP="None", clusterIPs=["None", "10.96.0.5"]) == [
        ("FieldValueInvalid", "spec.clusterIPs", ('Invalid value: []string{"None", "10.96.0.5"}: \'None\' must be '
         "the first and only value"))]
    assert check(clusterIP="nope") == [
        ("FieldValueInvalid", "spec.clusterIPs[0]",
         'Invalid value: "nope": must be a valid IP address, (e.g. 10.9.8.7 or 2001:db8::ffff)')]
    assert check(clusterIP="10.96.0.5", clusterIPs=["10.96.0.5", "10.96.0.6"], ipFamilyPolicy="RequireDualStack") == [
        ("FieldValueInvalid", "spec.clusterIPs", ('Invalid value: []string{"10.96.0.5", "10.96.0.6"}: may specify no '
         "more than one IP for each IP family"))]
    assert fields(defaulted(ports=PORT, clusterIP="10.96.0.5", clusterIPs=["10.96.0.5", "fd00::5", "fd00::6"])) == [
        "spec.clusterIPs"]
    assert check(clusterIP="10.96.0.5", ipFamilies=["IPv6"]) == [
        ("FieldValueInvalid", "spec.clusterIPs[0]",
         'Invalid value: "10.96.0.5": expected an IPv6 value as indicated by `ipFamilies[0]`')]
    assert check(ipFamilies=["IPv4", "IPv4"]) == [
        ("FieldValueDuplicate", "spec.ipFamilies[1]", 'Duplicate value: "IPv4"')]
    assert check(ipFamilies=["IPv5"]) == [
        ("FieldValueNotSupported", "spec.ipFamilies[0]", ('Unsupported value: "IPv5": supported values: "IPv4", '
         '"IPv6"'))]
    assert check(ipFamilyPolicy="DualStack") == [
        ("FieldValueNotSupported", "spec.ipFamilyPolicy", ('Unsupported value: "DualStack": supported values: '
         '"PreferDualStack", "RequireDualStack", "SingleStack"'))]


def test_external_ips() -> None:
    obj = defaulted(ports=PORT, externalIPs=["not-an-ip", "127.0.0.1", "169.254.1.1", "224.0.0.5", "0.0.0.0",
                                             "192.0.2.10"])
    assert causes(obj) == [
        ("FieldValueInvalid", "spec.externalIPs[0]",
         'Invalid value: "not-an-ip": must be a valid IP address, (e.g. 10.9.8.7 or 2001:db8::ffff)'),
        ("FieldValueInvalid", "spec.externalIPs[1]",
         'Invalid value: "127.0.0.1": may not be in the loopback range (127.0.0.0/8, ::1/128)'),
        ("FieldValueInvalid", "spec.externalIPs[2]",
         'Invalid value: "169.254.1.1": may not be in the link-local range (169.254.0.0/16, fe80::/10)'),
        ("FieldValueInvalid", "spec.externalIPs[3]", ('Invalid value: "224.0.0.5": may not be in the link-local '
         "multicast range (224.0.0.0/24, ff02::/10)")),
        ("FieldValueInvalid", "spec.externalIPs[4]", 'Invalid value: "0.0.0.0": may not be unspecified (0.0.0.0)')]


def test_traffic_policies_and_health_check_port() -> None:
    assert causes(defaulted(ports=PORT, externalTrafficPolicy="Local")) == [
        ("FieldValueInvalid", "spec.externalTrafficPolicy",
         'Invalid value: "Local": may only be set for externally-accessible services')]
    assert causes(defaulted(type="NodePort", ports=PORT, externalTrafficPolicy="Global")) == [
        ("FieldValueNotSupported", "spec.externalTrafficPolicy",
         'Unsupported value: "Global": supported values: "Cluster", "Local"')]
    assert causes(defaulted(type="NodePort", ports=PORT, externalTrafficPolicy="Local", healthCheckNodePort=30100)) == [
        ("FieldValueInvalid", "spec.healthCheckNodePort", ("Invalid value: 30100: may only be set when `type` is "
         "'LoadBalancer' and `externalTrafficPolicy` is 'Local'"))]
    assert causes(defaulted(type="LoadBalancer", ports=PORT, externalTrafficPolicy="Local",
                            healthCheckNodePort=30100)) == []
    assert causes(defaulted(ports=PORT, internalTrafficPolicy="Node")) == [
        ("FieldValueNotSupported", "spec.internalTrafficPolicy",
         'Unsupported value: "Node": supported values: "Cluster", "Local"')]


def test_traffic_distribution_and_topology_annotations_as_in_v1_31() -> None:
    assert causes(defaulted(ports=PORT, trafficDistribution="PreferClose")) == []
    assert causes(defaulted(ports=PORT, trafficDistribution="PreferSameZone")) == [
        ("FieldValueNotSupported", "spec.trafficDistribution",
         'Unsupported value: "PreferSameZone": supported values: "PreferClose"')]
    obj = svc(annotations={"service.kubernetes.io/topology-mode": "Auto",
                           "service.kubernetes.io/topology-aware-hints": "auto"}, ports=PORT)
    S.default(obj)
    assert causes(obj) == [
        ("FieldValueInvalid", "metadata.annotations[service.kubernetes.io/topology-mode]", ('Invalid value: "Auto": '
         "must match annotations[service.kubernetes.io/topology-aware-hints] when both are specified"))]


def test_load_balancer_fields() -> None:
    assert causes(defaulted(ports=PORT, allocateLoadBalancerNodePorts=False, loadBalancerClass="example.com/lb",
                            loadBalancerSourceRanges=["10.0.0.0/8"])) == [
        ("FieldValueForbidden", "spec.LoadBalancerSourceRanges",
         "Forbidden: may only be used when `type` is 'LoadBalancer'"),
        ("FieldValueForbidden", "spec.allocateLoadBalancerNodePorts",
         "Forbidden: may only be used when `type` is 'LoadBalancer'"),
        ("FieldValueForbidden", "spec.loadBalancerClass", "Forbidden: may only be used when `type` is 'LoadBalancer'")]
    assert causes(defaulted(type="LoadBalancer", ports=PORT, loadBalancerSourceRanges=[" 10.0.0.0/8 ", "nope"])) == [
        ("FieldValueInvalid", "spec.LoadBalancerSourceRanges[1]",
         'Invalid value: "nope": must be a valid CIDR value, (e.g. 10.9.8.0/24 or 2001:db8::/64)')]
    no_flag = svc(type="LoadBalancer", ports=PORT)
    S.default(no_flag)
    del no_flag["spec"]["allocateLoadBalancerNodePorts"]
    assert causes(no_flag) == [("FieldValueRequired", "allocateLoadBalancerNodePorts", "Required value")]
    annotated = svc(annotations={"service.beta.kubernetes.io/load-balancer-source-ranges": "10.0.0.0/8,bad"},
                    ports=PORT)
    S.default(annotated)
    assert [c[1] for c in causes(annotated)] == [
        "metadata.annotations[service.beta.kubernetes.io/load-balancer-source-ranges]"] * 2


# -- §1.11 update rules ----------------------------------------------------------------------------------

def stored(**spec: Any) -> dict[str, Any]:
    """A Service as allocation would have left it."""
    obj = defaulted(**spec)
    obj["metadata"].update(uid="u", resourceVersion="5", creationTimestamp="2026-01-01T00:00:00Z")
    return obj


def updated(old: dict[str, Any], **spec: Any) -> dict[str, Any]:
    new = {"metadata": copy.deepcopy(old["metadata"]), "spec": spec}
    S.prepare_for_update(new, old)
    S.default(new)
    return new


CIP = {"clusterIP": "10.96.0.5", "clusterIPs": ["10.96.0.5"], "ipFamilies": ["IPv4"], "ipFamilyPolicy": "SingleStack"}


def test_reapplied_manifest_keeps_allocated_values() -> None:
    old = stored(type="LoadBalancer", externalTrafficPolicy="Local", healthCheckNodePort=31000,
                 ports=[{"name": "http", "port": 80, "nodePort": 30080}, {"name": "https", "port": 443,
                                                                         "nodePort": 30443}], **CIP)
    new = updated(old, type="LoadBalancer", externalTrafficPolicy="Local",
                  ports=[{"name": "https", "port": 443}, {"name": "http", "port": 8080}])
    assert new["spec"]["clusterIP"] == "10.96.0.5" and new["spec"]["clusterIPs"] == ["10.96.0.5"]
    assert [(p["name"], p.get("nodePort")) for p in new["spec"]["ports"]] == [("https", 30443), ("http", 30080)]
    assert new["spec"]["healthCheckNodePort"] == 31000
    assert S.validate_update(new, old) == []


def test_cluster_ips_may_not_change() -> None:
    old = stored(ports=PORT, **CIP)
    new = updated(old, ports=PORT, clusterIP="10.96.0.6")
    assert new["spec"]["clusterIPs"] == ["10.96.0.6"]  # normalizeClusterIPs followed clusterIP
    assert [(c["field"], c["message"]) for c in S.validate_update(new, old)] == [
        ("spec.clusterIPs[0]", 'Invalid value: []string{"10.96.0.6"}: may not change once set')]


def test_releasing_the_secondary_ip_needs_single_stack() -> None:
    old = stored(ports=PORT, clusterIP="10.96.0.5", clusterIPs=["10.96.0.5", "fd00::5"], ipFamilies=["IPv4", "IPv6"],
                 ipFamilyPolicy="RequireDualStack")
    new = updated(old, ports=PORT, clusterIP="10.96.0.5", clusterIPs=["10.96.0.5"], ipFamilies=["IPv4"],
                  ipFamilyPolicy="RequireDualStack")
    assert [(c["field"], c["message"]) for c in S.validate_update(new, old)] == [
        ("spec.ipFamilyPolicy", ('Invalid value: "RequireDualStack": must be set to \'SingleStack\' when releasing '
         "the secondary clusterIP")),
        ("spec.ipFamilyPolicy", ('Invalid value: "RequireDualStack": must be set to \'SingleStack\' when releasing '
         "the secondary ipFamily"))]


def test_health_check_port_and_load_balancer_class_are_immutable() -> None:
    old = stored(type="LoadBalancer", externalTrafficPolicy="Local", healthCheckNodePort=31000,
                 loadBalancerClass="example.com/a", ports=[{"port": 80, "nodePort": 30080}], **CIP)
    new = updated(old, type="LoadBalancer", externalTrafficPolicy="Local", healthCheckNodePort=31001,
                  loadBalancerClass="example.com/b", ports=[{"port": 80}])
    assert [(c["field"], c["message"]) for c in S.validate_update(new, old)] == [
        ("spec.loadBalancerClass", 'Invalid value: "example.com/b": may not change once set'),
        ("spec.healthCheckNodePort", "Forbidden: field is immutable")]


@pytest.mark.parametrize("to, gone", [
    ("ClusterIP", {"nodePort", "healthCheckNodePort", "externalTrafficPolicy", "allocateLoadBalancerNodePorts",
                   "loadBalancerClass"}),
    ("NodePort", {"healthCheckNodePort", "allocateLoadBalancerNodePorts", "loadBalancerClass"}),
    ("ExternalName", {"nodePort", "healthCheckNodePort", "externalTrafficPolicy", "allocateLoadBalancerNodePorts",
                      "loadBalancerClass", "clusterIP", "clusterIPs", "ipFamilies", "ipFamilyPolicy"}),
])
def test_type_changes_wipe_unchanged_type_dependent_fields(to: str, gone: set[str]) -> None:
    old = stored(type="LoadBalancer", externalTrafficPolicy="Local", healthCheckNodePort=31000,
                 loadBalancerClass="example.com/a", ports=[{"port": 80, "nodePort": 30080}], **CIP)
    old["status"] = {"loadBalancer": {"ingress": [{"ip": "192.0.2.1", "ipMode": "VIP"}]}}
    body = copy.deepcopy(old["spec"])
    body.update(type=to, externalName="x.example")
    new = updated(old, **body)
    keys = set(new["spec"]) | ({"nodePort"} if new["spec"]["ports"][0].get("nodePort") else set())
    assert gone.isdisjoint(keys), gone & keys
    assert new["status"] == {"loadBalancer": {}}
    assert S.validate_update(new, old) == []


def test_changed_values_of_a_new_type_are_not_wiped_but_refused() -> None:
    old = stored(type="NodePort", ports=[{"port": 80, "nodePort": 30080}], **CIP)
    new = updated(old, type="ClusterIP", ports=[{"port": 80, "nodePort": 30081}], **CIP)
    assert [c["field"] for c in S.validate_update(new, old)] == ["spec.ports[0].nodePort"]


def test_headless_to_cluster_ip_is_refused() -> None:
    old = stored(clusterIP="None", clusterIPs=["None"], ipFamilies=["IPv4"], ipFamilyPolicy="SingleStack",
                 selector={"a": "b"})
    new = updated(old, clusterIP="10.96.0.7", ports=PORT, selector={"a": "b"})
    assert [c["field"] for c in S.validate_update(new, old)] == ["spec.clusterIPs[0]"]


def test_status_writes_are_validated() -> None:
    old = stored(ports=PORT, **CIP)
    new = copy.deepcopy(old)
    new["status"] = {"loadBalancer": {"ingress": [{"ip": "192.0.2.1"}]}}
    S.prepare_for_status_update(new, old)
    S.default(new)
    assert [(c["field"], c["message"]) for c in S.validate_status_update(new, old)] == [
        ("status.loadBalancer.ingress", "Forbidden: may only be used when `spec.type` is 'LoadBalancer'")]
    lb = stored(type="LoadBalancer", ports=[{"port": 80, "nodePort": 30080}], **CIP)
    new = copy.deepcopy(lb)
    new["status"] = {"loadBalancer": {"ingress": [{"ip": "nope", "ipMode": "Magic"}, {"hostname": "192.0.2.1"}]}}
    S.prepare_for_status_update(new, lb)
    assert [c["field"] for c in S.validate_status_update(new, lb)] == [
        "status.loadBalancer.ingress[0].ip", "status.loadBalancer.ingress[0].ipMode",
        "status.loadBalancer.ingress[1].hostname"]


# -- §1.5 ip families ----------------------------------------------------------------------------------

SINGLE = allocators_for("10.96.0.0/12", "30000-32767", "198.51.100.0/24")
DUAL = allocators_for("10.96.0.0/12,fd00:10:96::/108", "30000-32767", "198.51.100.0/24")
DUAL6 = allocators_for("fd00:10:96::/108,10.96.0.0/12", "30000-32767", "198.51.100.0/24")


def families(allocs: Any, old: dict[str, Any] | None = None, **spec: Any) -> tuple[Any, Any]:
    obj = defaulted(ports=PORT, **spec)
    init_ip_family_fields(obj, old, allocs)
    return obj["spec"].get("ipFamilyPolicy"), obj["spec"].get("ipFamilies")


@pytest.mark.parametrize("allocs, spec, expected", [
    (SINGLE, {}, ("SingleStack", ["IPv4"])),
    (DUAL, {}, ("SingleStack", ["IPv4"])),
    (DUAL6, {}, ("SingleStack", ["IPv6"])),
    (DUAL, {"ipFamilyPolicy": "PreferDualStack"}, ("PreferDualStack", ["IPv4", "IPv6"])),
    (SINGLE, {"ipFamilyPolicy": "PreferDualStack"}, ("PreferDualStack", ["IPv4"])),
    (DUAL, {"ipFamilyPolicy": "RequireDualStack", "ipFamilies": ["IPv6"]}, ("RequireDualStack", ["IPv6", "IPv4"])),
    (DUAL, {"clusterIP": "fd00:10:96::5"}, ("SingleStack", ["IPv6"])),
    (SINGLE, {"clusterIP": "None"}, ("RequireDualStack", ["IPv4", "IPv6"])),  # headless and selectorless
    (SINGLE, {"clusterIP": "None", "selector": {"a": "b"}}, ("SingleStack", ["IPv4"])),
    (DUAL6, {"clusterIP": "None", "ipFamilyPolicy": "SingleStack"}, ("SingleStack", ["IPv6"])),
])
def test_family_initialisation(allocs: Any, spec: dict[str, Any], expected: tuple[Any, Any]) -> None:
    assert families(allocs, **spec) == expected


@pytest.mark.parametrize("allocs, spec, field, message", [
    (SINGLE, {"ipFamilyPolicy": "RequireDualStack"}, "spec.ipFamilyPolicy",
     'Invalid value: "RequireDualStack": this cluster is not configured for dual-stack services'),
    (SINGLE, {"ipFamilies": ["IPv6"]}, "spec.ipFamilies[0]", 'Invalid value: "IPv6": not configured on this cluster'),
    (SINGLE, {"clusterIP": "fd00::5"}, "spec.clusterIPs[0]",
     'Invalid value: []string{"fd00::5"}: IPv6 is not configured on this cluster'),
    (DUAL, {"clusterIP": "10.96.0.5", "clusterIPs": ["10.96.0.5", "fd00:10:96::5"]}, "spec.ipFamilyPolicy",
     ("Invalid value: \"SingleStack\": must be 'RequireDualStack' or 'PreferDualStack' when multiple cluster IPs "
     "are specified")),
    (DUAL, {"ipFamilies": ["IPv4", "IPv6"], "ipFamilyPolicy": "SingleStack"}, "spec.ipFamilyPolicy",
     ("Invalid value: \"SingleStack\": must be 'RequireDualStack' or 'PreferDualStack' when multiple IP families "
     "are specified")),
])
def test_family_initialisation_errors(allocs: Any, spec: dict[str, Any], field: str, message: str) -> None:
    with pytest.raises(StatusError) as err:
        families(allocs, **spec)
    assert err.value.code == 422 and err.value.reason == "Invalid"
    assert [(c["field"], c["message"]) for c in err.value.details["causes"]] == [(field, message)]  # type: ignore


def test_update_inherits_the_policy_and_single_stack_downgrades() -> None:
    old = stored(ports=PORT, clusterIP="10.96.0.5", clusterIPs=["10.96.0.5", "fd00:10:96::5"],
                 ipFamilies=["IPv4", "IPv6"], ipFamilyPolicy="PreferDualStack")
    same = updated(old, ports=PORT)
    init_ip_family_fields(same, old, DUAL)
    assert same["spec"]["ipFamilyPolicy"] == "PreferDualStack" and len(same["spec"]["clusterIPs"]) == 2
    down = updated(old, ports=PORT, ipFamilyPolicy="SingleStack", ipFamilies=["IPv4", "IPv6"])
    init_ip_family_fields(down, old, DUAL)
    assert (down["spec"]["clusterIPs"], down["spec"]["ipFamilies"]) == (["10.96.0.5"], ["IPv4"])
