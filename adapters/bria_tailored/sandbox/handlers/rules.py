"""Business rules that more than one resource applies: which IP types a project may have.

Bria checks a project's IP when it is created, or created on the fly by a model upload (not on update:
update-project documents no 400; see ``projects.py``).
"""

from __future__ import annotations

from ..errors import ApiError, FieldError, field_error

__all__ = ["ILLUSTRATION_ONLY", "check_ip"]

ILLUSTRATION_ONLY = {"object_variants", "multi_object_set", "icons", "character_variants"}


def check_ip(medium: str, ip_type: str, ip_name: object, ip_description: object) -> None:
    """Raise a 400 listing every problem with a project's IP medium, type, name and description."""
    errors: list[FieldError] = []
    if medium == "photography" and ip_type in ILLUSTRATION_ONLY:
        errors.append(
            field_error(
                f"ip_type '{ip_type}' is only available when ip_medium is 'illustration'",
                "ip_type",
                ip_type,
            )
        )
    if ip_type == "defined_character" and not ip_name:
        errors.append(field_error("ip_name is required for the defined_character ip_type", "ip_name"))
    if ip_type in ("defined_character", "object_variants") and not ip_description:
        errors.append(field_error(f"ip_description is required for the {ip_type} ip_type", "ip_description"))
    if errors:
        raise ApiError(400, {"errors": errors})
