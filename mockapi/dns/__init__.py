"""Cluster DNS: records (pure answers per the Kubernetes DNS spec), source (feeds them from the
database) and server (a real DNS server on loopback, UDP and TCP, built on dnslib)."""
