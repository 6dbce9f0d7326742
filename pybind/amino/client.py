"""A client of a running deployment: an `amino-oms` and its kernel servers on real sockets.

    import amino
    with amino.connect("127.0.0.1:7400") as c:
        ms = c.create({"class": "VisitCounter", "dmList": [{"name": "ConsensusRSM", "config": {"replicas": 3}}]})
        c.call(ms, "visit")          # -> 1
        c.nodes(), c.events()

A replicated OMS (three or five `amino-oms --peers ...` replicas): give every replica, as a list or
as "A,B,C" (like amino-ctl --oms A,B,C); requests go to the leader and fail over to the others, so
the client works while a minority of the replicas is down:

    amino.connect(["10.0.0.5:7400", "10.0.0.6:7400", "10.0.0.7:7400"])

Each Client is its own endpoint with its own 128-bit session, so separate Python processes (or two
clients in one) are never confused by a DM's duplicate suppression. Calls block until answered or
`timeout` seconds pass. Failures raise RemoteError (a system error: code + message) or AppError (the
application method raised).
"""
from __future__ import annotations

import json
import os
from typing import Any, Optional, Sequence, Union

from ._native import native as _native
from .spec import to_yaml


class RemoteError(RuntimeError):
    """A call or control-plane request failed with a system error (TIMEOUT, UNAVAILABLE, ...)."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(f"{code}: {message}")
        self.code = code
        self.message = message


class AppError(RemoteError):
    """The application method raised; `app_type` is the exception's type name."""

    def __init__(self, code: str, message: str, app_type: str) -> None:
        super().__init__(code, message)
        self.app_type = app_type


def _unwrap(answer: str) -> Any:
    a = json.loads(answer)
    if a["ok"]:
        return a["value"]
    if a["code"] == "APP_ERROR":
        raise AppError(a["code"], a["message"], a.get("app_type", ""))
    if a["code"] == "BAD_SPEC":
        raise ValueError(a["message"])
    raise RemoteError(a["code"], a["message"])


def _oms_list(oms: Union[str, Sequence[str]]) -> list[str]:
    """"A" or "A,B,C" or ["A", "B", "C"] -> ["A", "B", "C"] (every address "host:port")."""
    items = oms.split(",") if isinstance(oms, str) else list(oms)
    if not items or not all(isinstance(a, str) and a.strip() for a in items):
        raise ValueError(f"oms must be 'host:port', 'A,B,C' or a list of 'host:port' strings, not {oms!r}")
    return [a.strip() for a in items]


class Client:
    """Connected to the OMS at `oms` ("host:port"), or to a replicated OMS (every replica: a list or
    "A,B,C", with failover to the leader); see the module docstring.

    cluster_key_file: the deployment's shared secret (as the programs' --cluster-key-file); default
    $AMINO_CLUSTER_KEY_FILE; None and no variable: no key (a loopback deployment without one).
    """

    def __init__(self, oms: Union[str, Sequence[str]] = "127.0.0.1:7400", timeout: float = 10.0, cluster_key_file: Optional[str] = None) -> None:
        if not isinstance(timeout, (int, float)) or not 0 < timeout <= 86400:
            raise ValueError(f"timeout must be a number of seconds in (0, 86400], not {timeout!r}")
        key = cluster_key_file if cluster_key_file is not None else os.environ.get("AMINO_CLUSTER_KEY_FILE", "")
        self._c = _native.DeploymentClient(_oms_list(oms), float(timeout), str(key))

    @property
    def session(self) -> str:
        """This client's session identity (32 hex digits, fresh for every Client)."""
        return self._c.session

    def create(self, spec: Union[str, dict]) -> str:
        """Creates a microservice from a spec (YAML text, a YAML file path, or a dict); returns its id."""
        return _unwrap(self._c.create(to_yaml(spec)))

    def call(self, ms: str, method: str, *args: Any) -> Any:
        """Calls `method` of microservice `ms` (id or name) with JSON-able arguments; returns its result."""
        return _unwrap(self._c.call(str(ms), str(method), json.dumps(list(args))))

    def nodes(self) -> list[dict]:
        """The live kernel servers: [{'id', 'region', 'labels', 'alive'}]."""
        return _unwrap(self._c.nodes())

    def events(self) -> list[dict]:
        """What the OMS observed and did, oldest first (registrations, creates, failures, ...)."""
        return _unwrap(self._c.events())

    def close(self) -> None:
        """Drops the connection (also done when the Client is garbage-collected)."""
        self._c = None

    def __enter__(self) -> Client:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def connect(oms: Union[str, Sequence[str]] = "127.0.0.1:7400", timeout: float = 10.0,
            cluster_key_file: Optional[str] = None) -> Client:
    """A Client of the deployment whose OMS listens at `oms`: one "host:port", or every replica of
    a replicated OMS as a list or "A,B,C" (see Client)."""
    return Client(oms, timeout, cluster_key_file)
