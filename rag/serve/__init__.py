"""Serving: how a server opens its index, warms up and has the model read ahead; above the stages, below the page and API."""
