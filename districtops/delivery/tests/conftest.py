from .fakeapi import fake_api  # noqa: F401 — the fixture, for this folder's tests
