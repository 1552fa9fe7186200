"""Loaded by every Python that CI starts under faketime (PYTHONPATH=.ci/faketime), never by the
runner itself. libfaketime 0.9.10 breaks two things a test suite needs: with the monotonic clock
faked, a lock or join with a timeout waits for months (the deadline is fake, the kernel's wait is
real); with it left real (FAKETIME_DONT_FAKE_MONOTONIC=1), time.sleep fails with EINVAL (its
absolute clock_nanosleep is mishandled). So CI leaves the monotonic clock real and sleeps here
with select(), which takes a relative timeout that libfaketime does not touch."""

import select
import time


def _sleep(seconds: float) -> None:
    if seconds > 0:
        select.select([], [], [], seconds)


time.sleep = _sleep
