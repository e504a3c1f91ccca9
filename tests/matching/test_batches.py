"""Featurisation batches run with the cyclic garbage collector paused, and always give it
back: on return, on an error, and never turning on a collector someone else turned off."""

import gc

import pytest

from matching.features import collector_paused


@collector_paused
def batch(fail: bool = False) -> bool:
    if fail:
        raise ValueError("bad record")
    return gc.isenabled()


@pytest.fixture
def collector_on():
    was = gc.isenabled()
    gc.enable()
    yield
    if not was:  # pragma: no cover - pytest runs with the collector on
        gc.disable()


def test_the_collector_is_paused_during_a_batch_and_resumes_after(collector_on):
    assert batch() is False
    assert gc.isenabled()


def test_the_collector_resumes_when_a_batch_fails(collector_on):
    with pytest.raises(ValueError, match="bad record"):
        batch(fail=True)
    assert gc.isenabled()


def test_a_collector_turned_off_by_the_caller_stays_off(collector_on):
    gc.disable()
    try:
        assert batch() is False
        assert not gc.isenabled()
    finally:
        gc.enable()


def test_batches_keep_their_names_and_docs():
    assert collector_paused.__doc__
    assert batch.__name__ == "batch"
