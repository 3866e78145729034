"""What tests use: ``Cluster`` (an in-process or subprocess server and its HTTP client), its serving
backends, kubeconfig files, and the pytest plugin (entry point ``pytest11``). ``mockapi.Cluster`` is
the public name; importing this package stays cheap (nothing here imports Flask until a Cluster starts)."""
