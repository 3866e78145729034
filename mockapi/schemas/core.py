"""Wire types of the core/v1 kinds we serve, as marshmallow schemas: enough of each Go struct that a
value of the wrong JSON type is refused (400) the way kube-apiserver's decoder refuses it. Unknown
fields pass through; semantic checks belong to the registry's strategies."""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any

from marshmallow import INCLUDE, Schema, fields

N = {"allow_none": True}  # Go decodes null into the zero value
_RFC3339 = re.compile(r"(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d)(?:\.(\d{1,9}))?(Z|[+-]\d\d:\d\d)")


def is_rfc3339(text: str) -> bool:
    """What Go's time.Parse(time.RFC3339, text) accepts (metav1.Time, and MicroTime's fraction)."""
    m = _RFC3339.fullmatch(text)
    if m is None:
        return False
    zone = "+00:00" if m[3] == "Z" else m[3]
    try:
        datetime.fromisoformat(m[1] + zone)
    except ValueError:  # month 13, minute 99 ...
        return False
    return int(zone[1:3]) < 24 and int(zone[4:6]) < 60


class Time(fields.String):
    """metav1.Time / MicroTime: RFC 3339 text; anything else fails to decode (400), as in Go."""

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> Any:
        text = super()._deserialize(value, attr, data, **kwargs)
        if not is_rfc3339(text):
            raise self.make_error("invalid")
        return text


def _s() -> fields.String:
    return fields.String(allow_none=True)


def _i() -> fields.Integer:
    return fields.Integer(strict=True, allow_none=True)


def _b() -> fields.Boolean:
    return fields.Boolean(truthy={True}, falsy={False}, allow_none=True)


def _strs() -> fields.List:
    return fields.List(fields.String(), allow_none=True)


def _map() -> fields.Dict:
    return fields.Dict(allow_none=True)


def _str_map() -> fields.Dict:
    return fields.Dict(keys=fields.String(), values=fields.String(), allow_none=True)


def _list(schema: type[Schema]) -> fields.List:
    return fields.List(fields.Nested(schema), allow_none=True)


class _Open(Schema):
    class Meta:
        unknown = INCLUDE


class ObjectReference(_Open):
    kind, namespace, name, uid, apiVersion, resourceVersion, fieldPath = (_s() for _ in range(7))


class ContainerPort(_Open):
    name, protocol, hostIP = _s(), _s(), _s()
    containerPort, hostPort = _i(), _i()


class EnvVar(_Open):
    name, value = _s(), _s()
    valueFrom = _map()


class Container(_Open):
    name, image, workingDir, imagePullPolicy = _s(), _s(), _s(), _s()
    terminationMessagePath, terminationMessagePolicy = _s(), _s()
    command, args = _strs(), _strs()
    ports = _list(ContainerPort)
    env = _list(EnvVar)
    envFrom, volumeMounts, volumeDevices = fields.List(_map(), allow_none=True), fields.List(_map(), allow_none=True), fields.List(_map(), allow_none=True)
    resources, securityContext, lifecycle = _map(), _map(), _map()
    livenessProbe, readinessProbe, startupProbe = _map(), _map(), _map()
    stdin, stdinOnce, tty = _b(), _b(), _b()


class Toleration(_Open):
    key, operator, value, effect = _s(), _s(), _s(), _s()
    tolerationSeconds = _i()


class PodSpec(_Open):
    containers, initContainers = _list(Container), _list(Container)
    ephemeralContainers, volumes, imagePullSecrets, hostAliases = (fields.List(_map(), allow_none=True) for _ in range(4))
    tolerations = _list(Toleration)
    nodeName, restartPolicy, dnsPolicy, serviceAccountName, serviceAccount = (_s() for _ in range(5))
    schedulerName, hostname, subdomain, priorityClassName, preemptionPolicy = (_s() for _ in range(5))
    runtimeClassName = _s()
    nodeSelector = _str_map()
    terminationGracePeriodSeconds, activeDeadlineSeconds, priority = _i(), _i(), _i()
    hostNetwork, hostPID, hostIPC, enableServiceLinks, automountServiceAccountToken = (_b() for _ in range(5))
    shareProcessNamespace, setHostnameAsFQDN, hostUsers = _b(), _b(), _b()
    affinity, securityContext, dnsConfig, overhead = _map(), _map(), _map(), _map()
    topologySpreadConstraints, readinessGates, schedulingGates, resourceClaims = (
        fields.List(_map(), allow_none=True) for _ in range(4))


class Condition(_Open):
    type, status, reason, message = _s(), _s(), _s(), _s()


class PodStatus(_Open):
    phase, podIP, hostIP, qosClass, reason, message, nominatedNodeName = (_s() for _ in range(7))
    conditions = _list(Condition)
    podIPs, hostIPs = fields.List(_map(), allow_none=True), fields.List(_map(), allow_none=True)
    containerStatuses, initContainerStatuses, ephemeralContainerStatuses = (
        fields.List(_map(), allow_none=True) for _ in range(3))


class Pod(_Open):
    spec = fields.Nested(PodSpec, allow_none=True)
    status = fields.Nested(PodStatus, allow_none=True)


class Taint(_Open):
    key, value, effect = _s(), _s(), _s()


class NodeAddress(_Open):
    type, address = _s(), _s()


class NodeSpec(_Open):
    podCIDR, providerID = _s(), _s()
    podCIDRs = _strs()
    taints = _list(Taint)
    unschedulable = _b()


class NodeStatus(_Open):
    conditions = _list(Condition)
    addresses = _list(NodeAddress)
    capacity, allocatable, nodeInfo, daemonEndpoints = _map(), _map(), _map(), _map()
    images, volumesInUse, volumesAttached = (fields.List(fields.Raw(), allow_none=True) for _ in range(3))


class Node(_Open):
    spec = fields.Nested(NodeSpec, allow_none=True)
    status = fields.Nested(NodeStatus, allow_none=True)


class NamespaceSpec(_Open):
    finalizers = _strs()


class NamespaceStatus(_Open):
    phase = _s()
    conditions = _list(Condition)


class Namespace(_Open):
    spec = fields.Nested(NamespaceSpec, allow_none=True)
    status = fields.Nested(NamespaceStatus, allow_none=True)


class EventSource(_Open):
    component, host = _s(), _s()


class EventSeries(_Open):
    count = _i()
    lastObservedTime = Time(allow_none=True)


class Event(_Open):
    involvedObject = fields.Nested(ObjectReference, allow_none=True)
    related = fields.Nested(ObjectReference, allow_none=True)
    reason, message, type, action, reportingComponent, reportingInstance = (_s() for _ in range(6))
    count = _i()
    source = fields.Nested(EventSource, allow_none=True)
    series = fields.Nested(EventSeries, allow_none=True)
    firstTimestamp, lastTimestamp, eventTime = Time(allow_none=True), Time(allow_none=True), Time(allow_none=True)


class ServicePort(_Open):
    name, protocol, appProtocol = _s(), _s(), _s()
    port, nodePort = _i(), _i()
    targetPort = fields.Raw(allow_none=True)  # IntOrString: the strategy refuses other types (400)


class ClientIPConfig(_Open):
    timeoutSeconds = _i()


class SessionAffinityConfig(_Open):
    clientIP = fields.Nested(ClientIPConfig, allow_none=True)


class ServiceSpec(_Open):
    ports = _list(ServicePort)
    selector = _str_map()
    clusterIP, type, sessionAffinity, loadBalancerIP, externalName = (_s() for _ in range(5))
    externalTrafficPolicy, ipFamilyPolicy, loadBalancerClass, internalTrafficPolicy = (_s() for _ in range(4))
    trafficDistribution = _s()
    clusterIPs, externalIPs, loadBalancerSourceRanges, ipFamilies = (_strs() for _ in range(4))
    healthCheckNodePort = _i()
    publishNotReadyAddresses, allocateLoadBalancerNodePorts = _b(), _b()
    sessionAffinityConfig = fields.Nested(SessionAffinityConfig, allow_none=True)


class PortStatus(_Open):
    port = _i()
    protocol, error = _s(), _s()


class LoadBalancerIngress(_Open):
    ip, hostname, ipMode = _s(), _s(), _s()
    ports = _list(PortStatus)


class LoadBalancerStatus(_Open):
    ingress = _list(LoadBalancerIngress)


class ServiceStatus(_Open):
    loadBalancer = fields.Nested(LoadBalancerStatus, allow_none=True)
    conditions = fields.List(_map(), allow_none=True)


class Service(_Open):
    spec = fields.Nested(ServiceSpec, allow_none=True)
    status = fields.Nested(ServiceStatus, allow_none=True)


class EndpointAddress(_Open):
    ip, hostname, nodeName = _s(), _s(), _s()
    targetRef = fields.Nested(ObjectReference, allow_none=True)


class EndpointPort(_Open):
    name, protocol, appProtocol = _s(), _s(), _s()
    port = _i()


class EndpointSubset(_Open):
    addresses, notReadyAddresses = _list(EndpointAddress), _list(EndpointAddress)
    ports = _list(EndpointPort)


class Endpoints(_Open):
    subsets = _list(EndpointSubset)


class EndpointConditions(_Open):
    ready, serving, terminating = _b(), _b(), _b()


class ForZone(_Open):
    name = _s()


class EndpointHints(_Open):
    forZones, forNodes = _list(ForZone), _list(ForZone)


class SliceEndpoint(_Open):
    addresses = _strs()
    conditions = fields.Nested(EndpointConditions, allow_none=True)
    hostname, nodeName, zone = _s(), _s(), _s()
    targetRef = fields.Nested(ObjectReference, allow_none=True)
    deprecatedTopology = _str_map()
    hints = fields.Nested(EndpointHints, allow_none=True)


class EndpointSlice(_Open):
    addressType = _s()
    endpoints = _list(SliceEndpoint)
    ports = _list(EndpointPort)
