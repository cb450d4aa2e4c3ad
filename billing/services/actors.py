from dataclasses import dataclass

from django.contrib.auth.models import AbstractBaseUser


@dataclass(frozen=True)
class Actor:
    """Who asked for a change: a staff user, an API credential, or the system."""

    user: AbstractBaseUser | None = None
    label: str = "system"

    @classmethod
    def for_user(cls, user: AbstractBaseUser) -> "Actor":
        return cls(user=user, label=f"user:{user.get_username()}")

    @classmethod
    def for_credential(cls, client_key: str) -> "Actor":
        return cls(label=f"api:{client_key}")


SYSTEM = Actor()
