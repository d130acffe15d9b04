"""A server at its live-connection limit, as the invigilator sees it: the second tablet is told
the server is full (in Chinese) and keeps working; when a place frees, it connects by itself."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from browser_kit import DemoServer, serve_demo


@pytest.fixture(scope="module")
def demo_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[DemoServer]:
    """The demo with room for one live screen only; refused ones are told to retry in 1 s."""
    with serve_demo(tmp_path_factory.mktemp("full-demo"), {
            "PROCTOR_MAX_SOCKETS": "1", "PROCTOR_SOCKET_RETRY_SECONDS": "1"}) as server:
        yield server


def test_a_refused_tablet_says_so_and_connects_when_a_place_frees(tablets):
    first = tablets("inv1")
    first.open_room()
    second = tablets("inv2")
    response = second.open("/floor/sittings/1/rooms/1")
    assert response is not None and response.status == 200
    second.page.wait_for_selector(".seat[data-ticket]")
    banner = second.page.wait_for_selector("#attention[data-reason='server_full']",
                                           state="visible", timeout=10_000)
    assert "实时连接已满" in banner.inner_text()
    assert second.page.get_attribute("html", "data-live") == "0"
    # The room screen still works without its live connection.
    second.card(1)
    second.close_dialogs()
    second.shoot("room-server-full")

    first.page.context.close()  # the first tablet leaves: its socket goes
    second.page.wait_for_selector("html[data-live='1']", timeout=20_000)
    assert second.page.is_hidden("#attention")
