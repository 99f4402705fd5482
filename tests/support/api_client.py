"""A thin client for the REST API that logs users in with real tokens."""
from __future__ import annotations

from app.demo import DEMO_PASSWORD


class ApiClient:
    def __init__(self, client):
        self.client = client
        self._tokens: dict[str, str] = {}

    def token(self, username: str, password: str = DEMO_PASSWORD) -> str:
        if username not in self._tokens:
            response = self.client.post("/api/v1/auth/token", json={"username": username, "password": password})
            assert response.status_code == 200, response.get_json()
            self._tokens[username] = response.get_json()["token"]
        return self._tokens[username]

    def call(self, method: str, path: str, user: str | None = None, **kwargs):
        headers = dict(kwargs.pop("headers", {}))
        if user is not None:
            headers["Authorization"] = f"Bearer {self.token(user)}"
        return self.client.open(f"/api/v1{path}", method=method, headers=headers, **kwargs)

    def get(self, path: str, user: str | None = None, **kwargs):
        return self.call("GET", path, user, **kwargs)

    def post(self, path: str, user: str | None = None, **kwargs):
        return self.call("POST", path, user, **kwargs)

    def put(self, path: str, user: str | None = None, **kwargs):
        return self.call("PUT", path, user, **kwargs)
