import pytest


@pytest.fixture
def database():
    raise RuntimeError("no database in this example")


def test_reads_rows(database):
    """Errors in setup: pytest reports an error, not a failure."""
    assert database


@pytest.mark.xfail(reason="known bug")
def test_known_bug():
    assert False
