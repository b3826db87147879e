"""The HTTP API on Ray Serve: the FastAPI app of ``gpt_sovits.api`` in ``replicas`` Serve replicas.

Each replica builds the app itself (``create_app``: its own engine host, so one engine per replica,
one GPU each when the cluster has GPUs) from the same settings and options as the single-process
server, so the token, CORS and path rules are the same; Serve's proxy spreads the requests over
the replicas. ``/control?command=exit`` is refused (stop the deployment with ``serve shutdown``).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

logger = logging.getLogger(__name__)

APP_NAME = "gpt-sovits-api"


@dataclass(frozen=True)
class ServeOptions:
    replicas: int = 2
    gpus_per_replica: float = 0.0
    cpus_per_replica: float = 1.0
    max_ongoing: int = 8  # requests Serve hands one replica at a time; the rest wait at the proxy


class ApiReplica:
    """One Serve replica: builds the API app (and so its engine host) when Serve starts the replica."""

    def __init__(self, settings, options):
        self.settings, self.options = settings, options

    def __serve_build_asgi_app__(self):
        from gpt_sovits.api.app import create_app

        return create_app(self.settings, self.options)


def deployment(settings, options, serve_options: ServeOptions):
    """The bound Serve application: ``replicas`` copies of the API app."""
    from ray import serve

    api = serve.deployment(serve.ingress()(ApiReplica), name=APP_NAME, num_replicas=serve_options.replicas,
                           max_ongoing_requests=serve_options.max_ongoing,
                           ray_actor_options={"num_gpus": serve_options.gpus_per_replica,
                                              "num_cpus": serve_options.cpus_per_replica})
    return api.bind(settings, options)


def run_api(settings, options, serve_options: ServeOptions, address: str = "auto", blocking: bool = True) -> None:
    """Deploy the API on the Ray cluster at ``address``, answering on options.host:options.port
    (``blocking``: until Ctrl+C)."""
    from ray import serve

    from gpt_sovits.cluster.render import connect

    connect(address)
    serve.start(http_options={"host": options.host, "port": options.port})
    logger.info("Serving the API with %d Ray Serve replicas on http://%s:%d (token %s)", serve_options.replicas,
                options.host, options.port, "required" if options.token else "off: loopback only")
    serve.run(deployment(settings, options, serve_options), name=APP_NAME, route_prefix="/", blocking=blocking)
