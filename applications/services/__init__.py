"""Writes for applications (being split by concern; see transitions.py)."""

from . import transitions as _transitions

globals().update({k: v for k, v in vars(_transitions).items() if not k.startswith("__")})
