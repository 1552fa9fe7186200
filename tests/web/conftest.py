"""The desk in-process: the ASGI app over httpx's ASGITransport (no socket, no server), over
sync boxes (a demo shop and an Exact administration per client, runner/sandbox)."""

from __future__ import annotations

import anyio
import httpx
import pytest

pytest.importorskip("starlette", reason="the desk's tests need the web extra: pip install -e '.[test,web]'")

TOKEN = "desk-token-for-tests-0123456789"
VIEW_TOKEN = "view-token-for-tests-0123456789"
SECRET = "hook-secret-for-tests"


class Browser:
    """Requests to the app as one browser makes them: cookies kept between them."""

    def __init__(self, app, base: str = "http://desk.test") -> None:
        self.app, self.base = app, base
        self.cookies = httpx.Cookies()
        self.last: httpx.Response | None = None

    def request(self, method: str, url: str, **options) -> httpx.Response:
        async def go():
            transport = httpx.ASGITransport(app=self.app)
            async with httpx.AsyncClient(transport=transport, base_url=self.base, cookies=self.cookies) as client:
                response = await client.request(method, url, **options)
                self.cookies = client.cookies
                return response

        self.last = anyio.run(go)
        return self.last

    def get(self, url: str, **options) -> httpx.Response:
        return self.request("GET", url, **options)

    def post(self, url: str, **options) -> httpx.Response:
        return self.request("POST", url, **options)

    def log_in(self, token: str = TOKEN) -> httpx.Response:
        page = self.get("/login")
        csrf = page.text.split('name="csrf" value="', 1)[1].split('"', 1)[0]
        return self.post("/login", data={"csrf": csrf, "token": token})

    def csrf(self, url: str = "/") -> str:
        page = self.get(url)
        return page.text.split('name="csrf" value="', 1)[1].split('"', 1)[0]


@pytest.fixture
def desk_of(sync_box):
    """`desk_of(*boxes)`: a Desk over the boxes' specs, its app, and a fresh browser."""
    from runner.web.app import create_app
    from runner.web.auth import Gate
    from runner.web.desk import Desk

    made = []

    def make(*boxes, debounce: float = 0.05, read_only: bool = False, base: str = "http://desk.test"):
        desk = Desk([box.spec for box in boxes], debounce=debounce)
        app = create_app(desk, Gate(TOKEN, VIEW_TOKEN, read_only=read_only))
        made.append(desk)
        return desk, app, Browser(app, base)

    yield make
    for desk in made:
        desk.stop()


def with_hook_secret(box) -> None:
    """The box's spec with a webhook secret from its .env, as a consultant would set it."""
    env = box.dir / ".env"
    env.write_text(env.read_text() + f"WOO_WEBHOOK_SECRET={SECRET}\n")
    box.spec.write_text(
        box.spec.read_text().replace(
            "  consumer_secret: ${WOO_CONSUMER_SECRET}\n", "  consumer_secret: ${WOO_CONSUMER_SECRET}\n  webhook_secret: ${WOO_WEBHOOK_SECRET}\n"
        )
    )


def free_port() -> int:
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class Served:
    """The desk over the sandbox's three demo clients, served by uvicorn on a free 127.0.0.1
    port in a thread of this process (the demo shops and Exacts live in this process too)."""

    def __init__(self, folder) -> None:
        import threading

        import uvicorn

        from runner.web import demo
        from runner.web.app import create_app
        from runner.web.auth import Gate
        from runner.web.desk import Desk

        self.demo = demo.start(folder, webhook_secret=SECRET)
        self.desk = Desk(list(self.demo.specs.values()), debounce=0.05)
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        config = uvicorn.Config(create_app(self.desk, Gate(TOKEN, VIEW_TOKEN)), host="127.0.0.1", port=self.port, log_level="warning")
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self.server.run, daemon=True)
        self.thread.start()
        self.desk.start()
        deadline = __import__("time").monotonic() + 120
        while not self.server.started:
            assert self.thread.is_alive() and __import__("time").monotonic() < deadline, "the desk did not start"
            self.thread.join(0.05)

    def stop(self) -> None:
        self.server.should_exit = True
        self.thread.join(60)
        self.desk.stop()
        self.demo.stop()


@pytest.fixture
def served(tmp_path):
    pytest.importorskip("uvicorn", reason="the desk's tests need the web extra: pip install -e '.[test,web]'")
    desk = Served(tmp_path / "clients")
    yield desk
    desk.stop()
