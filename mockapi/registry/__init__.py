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
from .secrets import SECRETS
from .services import SERVICES

ALL: tuple[ResourceType, ...] = (NAMESPACES, NODES, PODS, EVENTS, SERVICES, ENDPOINTS, ENDPOINT_SLICES,
                                 SERVICE_CIDRS, IP_ADDRESSES, CONFIG_MAPS, SECRETS)
RESOURCES: dict[str, ResourceType] = {rt.key: rt for rt in ALL}
RESOURCES_BY_KIND: dict[str, ResourceType] = {rt.kind: rt for rt in ALL}
