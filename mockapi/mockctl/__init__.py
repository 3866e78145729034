"""Test-control state that is not Kubernetes: the request journal and fault-injection rules, and the
Kubernetes RequestInfo of a raw request. Pure Python (no Flask, no storage); ``api/instrument`` serves it."""
