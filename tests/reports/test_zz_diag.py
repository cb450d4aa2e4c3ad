import tempfile, tracemalloc
import pytest
from tests.api.conftest import Api
from tests.factories import OrganizationFactory
from tests.reports.test_exports import many_invoices

pytestmark = pytest.mark.django_db

def peak(api, n):
    with tempfile.TemporaryFile() as sink:
        tracemalloc.start(8)
        response = api.get("invoices/export", format="xlsx")
        snap = tracemalloc.take_snapshot()
        for chunk in response.streaming_content:
            sink.write(chunk)
        p = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
    return p, snap

def test_diag():
    small, large = (Api(OrganizationFactory(slug=f"size-{n}")) for n in (1000, 8000))
    many_invoices(small.org, 1000)
    many_invoices(large.org, 8000)
    peak(small, 1)
    p1, s1 = peak(small, 1)
    p2, s2 = peak(large, 1)
    print("\nPEAKS", p1, p2, p2 / p1)
    for st in s2.compare_to(s1, "traceback")[:5]:
        print(st)
        for line in st.traceback.format()[-8:]:
            print("   ", line)
