"""Setting up the demonstration installation."""

from __future__ import annotations

import os

from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction

# The Bình Phước data set lives in its own module; it is a demo service too.
from phongtrao.demo.binh_phuoc import demo_binh_phuoc_load

DEFAULT_PASSWORD = "phongtrao-demo"  # noqa: S105 - a published demo password, by design


def demo_password() -> str:
    return os.environ.get("DEMO_PASSWORD") or DEFAULT_PASSWORD


@transaction.atomic
def demo_admin_ensure(*, username: str = "admin") -> AbstractBaseUser:
    """The demo administrator, created once; its password is reset to DEMO_PASSWORD."""
    user_model = get_user_model()
    user, _ = user_model.objects.get_or_create(
        username=username, defaults={"is_staff": True, "is_superuser": True}
    )
    user.set_password(demo_password())
    user.save()
    return user


__all__ = ["demo_admin_ensure", "demo_binh_phuoc_load", "demo_password"]
