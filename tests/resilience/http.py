"""The REST API over real HTTP, as the demo users, spread over several app servers.

Tokens are asked for once per user and shared by every thread and server (they live in the
database, so any server accepts them); each thread keeps its own connection pool.
"""
from __future__ import annotations

import itertools
import threading
from typing import Any

import requests

from app.demo import DEMO_PASSWORD

#: a request that takes longer has hung: the test fails instead of waiting for ever
TIMEOUT = 60


class HttpApi:
    def __init__(self, *servers: str):
        self.servers = list(servers)
        self._tokens: dict[str, str] = {}
        self._lock = threading.Lock()
        self._local = threading.local()
        self._turn = itertools.count()

    def session(self) -> requests.Session:
        if not hasattr(self._local, "session"):
            self._local.session = requests.Session()
        return self._local.session

    def token(self, username: str) -> str:
        with self._lock:
            if username not in self._tokens:
                response = requests.post(f"{self.servers[0]}/api/v1/auth/token", timeout=TIMEOUT,
                                         json={"username": username, "password": DEMO_PASSWORD})
                assert response.status_code == 200, response.text
                self._tokens[username] = response.json()["token"]
            return self._tokens[username]

    def call(self, method: str, path: str, user: str, server: int | None = None, **kwargs: Any) -> requests.Response:
        """``server`` picks one of the servers; by default they take turns."""
        base = self.servers[next(self._turn) % len(self.servers) if server is None else server]
        headers = {"Authorization": f"Bearer {self.token(user)}"}
        return self.session().request(method, f"{base}/api/v1{path}", headers=headers, timeout=TIMEOUT, **kwargs)

    def post(self, path: str, user: str, **kwargs: Any) -> requests.Response:
        return self.call("POST", path, user, **kwargs)

    def get(self, path: str, user: str, **kwargs: Any) -> requests.Response:
        return self.call("GET", path, user, **kwargs)
