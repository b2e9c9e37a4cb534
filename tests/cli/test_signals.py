"""`cli.signals.CommandSignals`: the one SIGINT/SIGTERM handler of every command.

Real signals, raised in this (main) thread: the handler runs as it would in
the command.
"""

from __future__ import annotations

import signal
import threading

import pytest

from reconciler.cli.signals import CommandSignals


@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM])
def test_outside_a_stopping_block_a_signal_cancels_and_interrupts(signum: int) -> None:
    cancelled: list[bool] = []
    with CommandSignals(interrupt_note=None) as signals:
        signals.cancel = lambda: cancelled.append(True)
        with pytest.raises(KeyboardInterrupt):
            signal.raise_signal(signum)
    assert cancelled == [True]


@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM])
def test_inside_a_stopping_block_a_signal_sets_stop_and_cancels_at_once(signum: int) -> None:
    """`run --wait`: the wait ends, the poll in flight is cancelled, nothing is raised."""
    cancelled: list[bool] = []
    stop = threading.Event()
    with CommandSignals(interrupt_note=None) as signals:
        signals.cancel = lambda: cancelled.append(True)
        with signals.stopping(stop, grace=0, note=None):
            signal.raise_signal(signum)
            assert stop.is_set() and cancelled == [True]
        with pytest.raises(KeyboardInterrupt):  # after the block: interrupting again
            signal.raise_signal(signum)


def test_with_a_grace_the_calls_in_flight_are_cancelled_later_not_at_once() -> None:
    """`apply`: requests in flight get `grace` seconds to answer and be recorded."""
    cancelled = threading.Event()
    stop = threading.Event()
    with CommandSignals() as signals:
        signals.cancel = cancelled.set
        with signals.stopping(stop, grace=2.0, note="finishing"):
            signal.raise_signal(signal.SIGTERM)
            assert stop.is_set() and not cancelled.is_set()
            assert cancelled.wait(timeout=30)  # hang protection only


def test_the_previous_handlers_come_back() -> None:
    before = signal.getsignal(signal.SIGTERM)
    with CommandSignals():
        assert signal.getsignal(signal.SIGTERM) is not before
    assert signal.getsignal(signal.SIGTERM) is before
