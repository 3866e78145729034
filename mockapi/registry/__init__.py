"""The kinds we serve: RESOURCES maps storage keys (``pods``) to ResourceType descriptors."""

from __future__ import annotations

from .base import ResourceType
from .configmaps import CONFIG_MAPS
from .endpoints import ENDPOINTS
from .endpointslices import ENDPOINT_SLICES
from .events import EVENTS
from .namespaces import NAMESPACES
from .networking import IP_ADDRESSES, SERVICE_CIDRS
from .nodes import NODES
from .pods import PODS
from .rbac import CLUSTER_ROLE_BINDINGS, CLUSTER_ROLES, ROLE_BINDINGS, ROLES
from .secrets import SECRETS
from .serviceaccounts import SERVICE_ACCOUNTS
from .services import SERVICES

ALL: tuple[ResourceType, ...] = (NAMESPACES, NODES, PODS, EVENTS, SERVICES, ENDPOINTS, ENDPOINT_SLICES,
                                 SERVICE_CIDRS, IP_ADDRESSES, CONFIG_MAPS, SECRETS, SERVICE_ACCOUNTS,
                                 ROLES, CLUSTER_ROLES, ROLE_BINDINGS, CLUSTER_ROLE_BINDINGS)
RESOURCES: dict[str, ResourceType] = {rt.key: rt for rt in ALL}
RESOURCES_BY_KIND: dict[str, ResourceType] = {rt.kind: rt for rt in ALL}
