import pytest

from districtops.citizen import services


@pytest.fixture
def categories(org):
    district = org["districts"]["410104"]
    return {
        "road": services.ensure_service(district, "road", "道路破损", "路面坑洼、井盖缺失", "市政"),
        "garbage": services.ensure_service(district, "garbage", "垃圾堆积", "", "环卫"),
    }


@pytest.fixture(autouse=True)
def _clear_cache():
    from django.core.cache import cache

    cache.clear()
    yield
    cache.clear()


PNG = (
    b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00\x1f\x15\xc4\x89"
    b"\x00\x00\x00\rIDATx\x9cc\xf8\xff\xff?\x00\x05\xfe\x02\xfe\xa7\x35\x81\x84\x00\x00\x00\x00IEND\xaeB`\x82"
)
