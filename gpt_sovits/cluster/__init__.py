"""Beyond one machine: book rendering on Ray actors and the HTTP API on Ray Serve.

Optional: install ``requirements-cluster.txt`` (or the ``cluster`` extra). Ray is imported only inside
functions, so the studio, its CLI and its default tests never need it.
"""
