"""Deterministic ids, so that repeated exports of the same edit keep the same ids."""

import uuid

# Fixed namespace of this exporter's ids: changing it changes every exported id.
_NAMESPACE = uuid.uuid5(uuid.NAMESPACE_URL, "https://studio.blender.org/watchtower/blender-addon")


def stable_id(*parts: str) -> str:
    """Return a UUID string derived from ``parts`` (for example project id, kind and name)."""
    key = "\x1f".join(parts)
    return str(uuid.uuid5(_NAMESPACE, key))
