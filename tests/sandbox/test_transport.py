"""The two ways to reach a simulator: the in-process transport the tests use, and the socket
server `runner sandbox` and the subprocess tests use. A simulator sees the same request
through both, and faults mean the same: a lost answer is a transport error after the work
was done, a slow one waits with the host's sleep. And runner.support.http's mounts send a spec's
127.0.0.1 address to the in-process host, and nothing else."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from runner.sandbox.host import Fault, Request, Response, json_response
from runner.sandbox.server import SandboxServer
from runner.sandbox.transport import InProcessServer
from runner.support.http import make_client, may_have_landed, mount, mounted, unmount
from tests.conftest import HANG


class Echo:
    """Keeps every request and answers with a few of its parts; counts what it carried out."""

    def __init__(self) -> None:
        self.requests: list[Request] = []
        self.done = 0

    def handle(self, request: Request) -> Response:
        self.requests.append(request)
        if request.method == "POST":
            self.done += 1
        if request.path == "/boom":
            raise RuntimeError("a simulator bug")
        return json_response(201 if request.method == "POST" else 200, {"path": request.path, "base": request.base_url}, {"X-Seen": "1"})


@pytest.fixture(params=["in-process", "socket"])
def served(request) -> Iterator[tuple[InProcessServer | SandboxServer, list[float]]]:
    slept: list[float] = []
    kind = InProcessServer if request.param == "in-process" else SandboxServer
    with kind(Echo(), sleep=slept.append) as server:
        yield server, slept


def client(server) -> httpx.Client:
    return make_client(server.url, timeout=HANG)  # in-process through the mounts, else over the socket


def test_the_simulator_sees_the_request_as_sent(served):
    server, _ = served
    with client(server) as http:
        answer = http.post(
            "/api/v1/1234567/crm/Accounts",
            params={"$filter": "Email eq 'o''brien@example.ie' and Name ne ''", "$select": "ID,Name", "empty": ""},
            json={"Name": "Ç'est €"},
            headers={"Prefer": "return=representation"},
        )
    assert answer.status_code == 201 and answer.headers["x-seen"] == "1" and answer.headers["content-type"].startswith("application/json")
    assert answer.json() == {"path": "/api/v1/1234567/crm/Accounts", "base": server.url}
    seen = server.simulator.requests[-1]
    assert seen.method == "POST" and seen.base_url == server.url
    assert seen.query == {"$filter": ["Email eq 'o''brien@example.ie' and Name ne ''"], "$select": ["ID,Name"], "empty": [""]}
    assert seen.json() == {"Name": "Ç'est €"} and seen.headers["prefer"] == "return=representation"
    assert seen.headers["host"] == server.url.removeprefix("http://") and seen.headers["user-agent"].startswith("woo-exact-runner/")


def test_a_lost_answer_is_a_transport_error_after_the_work_was_done(served):
    server, _ = served
    server.faults.lose_responses = 1.0
    with client(server) as http, pytest.raises(httpx.TransportError) as lost:
        http.post("/api/v1/1234567/salesentry/SalesEntries", json={})
    assert may_have_landed(lost.value)  # the runner must look before it posts again
    assert server.simulator.done == 1 and server.faults.dropped == 1


def test_queued_faults_a_slow_answer_and_a_crash(served):
    server, slept = served
    server.faults.queue(Fault(503), times=2)
    server.faults.delay = 2.5
    with client(server) as http:
        assert [http.get("/x").status_code for _ in range(3)] == [503, 503, 200]
        assert slept == [2.5, 2.5, 2.5]  # the host's sleep, not the clock
        server.faults.clear()
        crashed = http.get("/boom")
    assert crashed.status_code == 500 and "crashed" in crashed.text
    assert len(server.crashes) == 1 and "a simulator bug" in server.crashes[0]
    server.crashes.clear()


def test_an_in_process_address_is_refused_once_stopped_and_reaches_nothing_else():
    with InProcessServer(Echo()) as server:
        other = InProcessServer(Echo()).start()
        try:
            with make_client(timeout=HANG) as http:
                assert http.get(f"{server.url}/a").json()["base"] == server.url
                assert http.get(f"{other.url}/b").json()["base"] == other.url
                other.stop()
                with pytest.raises(httpx.ConnectError):
                    http.get(f"{other.url}/c")  # a client made before the stop
        finally:
            other.stop()
        assert [r.path for r in server.simulator.requests] == ["/a"] and [r.path for r in other.simulator.requests] == ["/b"]
        with make_client(timeout=HANG) as http, pytest.raises(httpx.ConnectError):
            http.get(f"{other.url}/d")  # its port is nobody's: refused at once, as a stopped server's is


def test_an_explicit_transport_wins_over_the_mounts_and_a_mount_is_made_once():
    with InProcessServer(Echo()) as server:
        mock = httpx.MockTransport(lambda request: httpx.Response(418))
        with make_client(server.url, transport=mock) as http:
            assert http.get("/").status_code == 418
        with pytest.raises(ValueError, match="mounted already"):
            mount(server.url, mock)
        with pytest.raises(ValueError, match="origin"):
            mount(server.url + "/api", mock)
    with mounted("http://127.0.0.1:9", mock), make_client("http://127.0.0.1:9") as http:
        assert http.get("/").status_code == 418
    unmount("http://127.0.0.1:9")  # gone already: no error
