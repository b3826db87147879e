"""OpenAPI descriptions from the request models, for routes that read the request themselves.

The routes merge the query, a JSON body and form fields before one model parses them (upstream's
clients mix all three), so FastAPI cannot derive the parameters from the handler's signature; each
route states its model here instead, and ``/docs`` lists the real parameters with their types,
defaults and limits.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from fastapi import FastAPI
from pydantic import BaseModel


def _schema(model: type[BaseModel]) -> dict:
    return model.model_json_schema(mode="validation")


def query_doc(model: type[BaseModel]) -> dict:
    """``openapi_extra`` listing the model's fields as query parameters."""
    schema = _schema(model)
    required = set(schema.get("required", ()))
    parameters = []
    for name, prop in schema["properties"].items():
        parameters.append({"name": name, "in": "query", "required": name in required,
                           "description": prop.get("description", ""),
                           "schema": {k: v for k, v in prop.items() if k != "description"}})
    return {"parameters": parameters}


def body_doc(model: type[BaseModel], form: bool = True) -> dict:
    """``openapi_extra`` with the model as the JSON (and, with ``form``, form-encoded) request body."""
    schema = _schema(model)
    content = {"application/json": {"schema": schema}}
    if form:
        content["application/x-www-form-urlencoded"] = {"schema": schema}
    return {"requestBody": {"required": True, "content": content}}


def add_documented_route(app: FastAPI, path: str, endpoint: Callable, model: type[BaseModel],
                         methods: Sequence[str] = ("GET", "POST"), summary: str = "", form: bool = True) -> None:
    """Register ``endpoint`` once per method, each with its parameters described from ``model``."""
    for method in methods:
        extra = query_doc(model) if method == "GET" else body_doc(model, form)
        app.add_api_route(path, endpoint, methods=[method], openapi_extra=extra,
                          summary=summary or (model.__doc__ or "").strip().splitlines()[0],
                          description=(model.__doc__ or "").strip())
