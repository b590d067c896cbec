"""The fixture itself: both ways serve the same app and answer the same."""

from __future__ import annotations

from squall import App
from tests.compat.conftest import ClientFor


def test_both_ways_answer_the_same(client_for: ClientFor) -> None:
    app = App()

    @app.get("/items/{item_id}")
    async def read_item(item_id: int, q: str | None = None) -> dict[str, object]:
        return {"item_id": item_id, "q": q}

    client = client_for(app)
    response = client.get("/items/5", params={"q": "x"})
    assert response.status_code == 200
    assert response.json() == {"item_id": 5, "q": "x"}
    assert client.get("/items/five").status_code == 422
