"""An experiment as plain data.

`Scenario` holds hosts, links, deployments, client workloads, a fault schedule, a duration and a
seed; `to_json()` is exactly what the C++ runner reads (pybind/scenario_runner.h), and
`Scenario.from_json()` reads it back, so a saved scenario replays bit for bit.

Time 0 (for workload `start`, fault `at` and record start times) is the moment every deployment
has been created and initialised; booting and creation are not measured.

`backend` is one of:
  "sim"      SimGrid: simulated time, deterministic, traces;
  "sockets"  every node a real TCP endpoint on 127.0.0.1 in the run's child process, real time;
             each host pair's platform latency and bottleneck bandwidth are emulated in the message
             layer; CPU speed is not; pause, clock, link and storage faults are rejected before the run;
  "netns"    every host its own process (bin/amino-scenario-node) in its own Linux network
             namespace with its own address on a private bridge, real TCP between them with a fresh
             cluster key, latency and bandwidth emulated in the message layer as on sockets; faults
             are what the network does: a partition is an nftables black hole (real TCP timeouts),
             crash is kill -9, pause is SIGSTOP (amino/netns_backend.py). Needs root, iproute2 and
             nftables; elsewhere the run is refused saying what is missing. Scenario modules opt in
             with BACKENDS (multiplayer_game does).
The same script runs on each.

The OMS runs on `oms_host` ("oms" by default), alone. `oms_replicas` (3, 5 or 7 host names) runs it
replicated instead (replicated_oms/, docs/deploy.md section 4b): one replica per host, nothing else
on them, the elected leader serving; `oms_host` is then one of them, by default the first. Faults
of the schedule act on replica hosts as on any (a crashed replica restarts from its storage), on
every backend (pybind/README.md, "A replicated OMS").
"""
from __future__ import annotations

import copy
import json
from typing import Any, Iterable, Optional, Union

from . import spec as _spec
from ._native import native

# A workload call: amino.call(method, *args), or a (method, *args) tuple.
Call = Union[dict, tuple]


def preset(kind: str, name: str, region: str = "", **overrides: Any) -> dict:
    """A host dict from the C++ presets (testbed/presets.h): cloud_server, edge_server, phone_wifi,
    phone_3g, tablet_wifi, tablet_3g. Keyword overrides replace fields (speed, labels, ...)."""
    host = json.loads(native.preset_host(kind, name, region))
    host.update(_host_fields(overrides))
    return host


_DURATION_KEYS = ("rto_min", "idle_promotion", "fach_promotion", "dch_tail", "fach_tail")


def _host_fields(kw: dict) -> dict:
    """Python-friendly host keywords -> platform JSON fields (latencies in seconds -> ns)."""
    out: dict[str, Any] = {}
    for key, value in kw.items():
        if key == "uplink_latency":
            out["uplink_latency_ns"] = int(round(value * 1e9))
        elif key in ("speed", "region", "labels", "uplink_bandwidth", "uplink_latency_ns", "downlink_bandwidth"):
            out[key] = value
        elif key == "serialization_ops_per_byte":
            out["serializationOpsPerByte"] = value
        elif key in ("tcp", "radio"):
            # testbed/transport_model.h TcpSpec / RadioSpec fields; durations in seconds
            out[key] = {(k + "_ns" if k in _DURATION_KEYS else k): (int(round(v * 1e9)) if k in _DURATION_KEYS else v)
                        for k, v in value.items()}
        else:
            raise TypeError(f"unknown host field {key!r}")
    return out


def _host_names(hosts: Iterable[str]) -> list[str]:
    """oms_replicas as a list; a bare string would otherwise be split into letters."""
    names = None if isinstance(hosts, str) else list(hosts)
    if names is None or not all(isinstance(h, str) for h in names):
        raise TypeError(f"oms_replicas must be host names (strings), got {hosts!r}")
    return names


def call(method: str, *args: Any, target: Optional[str] = None) -> dict:
    """One call of a workload: method name and arguments (JSON-able values; bytes allowed);
    `target` names another microservice than the client's own (a transaction across several)."""
    c = {"method": method, "args": [_jsonable(a) for a in args]}
    if target is not None:
        c["target"] = target
    return c


def _jsonable(v: Any) -> Any:
    """Python value -> the JSON form of runtime/value_json.h (bytes become {"$bytes": hex})."""
    if isinstance(v, (bytes, bytearray)):
        return {"$bytes": bytes(v).hex()}
    if isinstance(v, (list, tuple)):
        return [_jsonable(x) for x in v]
    if isinstance(v, dict):
        return {str(k): _jsonable(x) for k, x in v.items()}
    return v


def _check_shape(d: Any) -> None:
    """The containers of a saved scenario, so that a malformed file is a ValueError, not an
    AttributeError deep inside from_dict."""
    if not isinstance(d, dict):
        raise ValueError(f"a scenario is a JSON object, got {type(d).__name__}")
    missing = [k for k in ("seed", "duration", "platform") if k not in d]
    if missing:
        raise ValueError(f"missing field(s) {', '.join(missing)} (a saved scenario has seed, duration, platform, ...)")
    if not isinstance(d["platform"], dict):
        raise ValueError("platform must be an object with hosts and links")
    for key, value in (("platform.hosts", d["platform"].get("hosts", [])), ("platform.links", d["platform"].get("links", [])),
                       ("deployments", d.get("deployments", [])), ("workloads", d.get("workloads", [])),
                       ("faults", d.get("faults", [])), ("checks", d.get("checks", []))):
        if not isinstance(value, list) or not all(isinstance(x, dict) for x in value):
            raise ValueError(f"{key} must be a list of objects")
    if not d["platform"].get("hosts"):
        raise ValueError("platform.hosts is empty")
    if isinstance(d["seed"], bool) or not isinstance(d["seed"], int):
        raise ValueError(f"seed must be an integer, got {d['seed']!r}")
    if isinstance(d["duration"], bool) or not isinstance(d["duration"], (int, float)):
        raise ValueError(f"duration must be a number, got {d['duration']!r}")
    if d.get("origin") is not None and not isinstance(d["origin"], dict):
        raise ValueError("origin must be an object or null")
    if "oms_replicas" in d and not _is_host_list(d["oms_replicas"]):
        raise ValueError(f"oms_replicas must be a list of host names, got {d['oms_replicas']!r}")


def _is_host_list(v: Any) -> bool:
    return isinstance(v, list) and all(isinstance(h, str) for h in v)


class Scenario:
    """Builder for one run. Every method returns self, so definitions read as a list of facts."""

    BACKENDS = ("sim", "sockets", "netns")

    def __init__(self, seed: int = 1, duration: float = 10.0, oms_host: Optional[str] = None, name: Optional[str] = None,
                 params: Optional[dict] = None, backend: str = "sim", oms_replicas: Iterable[str] = ()) -> None:
        self.seed = int(seed)
        self.backend = backend
        self.duration = float(duration)
        self.oms_replicas: list[str] = []
        self.replicate_oms(*_host_names(oms_replicas))
        self._oms_host = oms_host  # None: the default (the oms_host property)
        self.hosts: list[dict] = []
        self.links: list[dict] = []
        self.deployments: list[dict] = []
        self.workloads: list[dict] = []
        self.faults: list[dict] = []
        # What to check after a run: [{"model", "target", "clients"}], added by amino.workload's
        # generators; the C++ runner ignores it, check.verdicts(results) and `hunt` read it.
        self.checks: list[dict] = []
        self.network_model = "CM02"
        self.max_value_chars = 160
        self.log_level = "error"
        # Where the scenario came from, for the replay command: a scenarios/<name>/scenario.py module
        # and its parameters.
        self.origin = {"name": name, "params": dict(params or {})} if name else None

    @property
    def oms_host(self) -> str:
        """The OMS's host: as given, else the first of oms_replicas, else "oms"."""
        if self._oms_host is not None:
            return self._oms_host
        return self.oms_replicas[0] if self.oms_replicas else "oms"

    @oms_host.setter
    def oms_host(self, host: str) -> None:
        self._oms_host = host

    def replicate_oms(self, *hosts: str) -> Scenario:
        """Runs the OMS as replicas on `hosts` (3, 5 or 7 names; none: the single OMS on oms_host).
        Hosts not added with host() become cloud servers in region "control", as oms_host does."""
        self.oms_replicas = _host_names(hosts)
        return self

    # ---- platform
    def host(self, name: str, preset_kind: Optional[str] = None, region: str = "", **fields: Any) -> Scenario:
        """Adds a host: from a preset (cloud_server, phone_wifi, ...) and/or explicit fields
        (speed flop/s, region, labels, uplink_latency s, uplink_bandwidth B/s). Opt-in mechanisms
        (testbed/transport_model.h): downlink_bandwidth B/s (a split up/down access link),
        serialization_ops_per_byte (CPU its kernel charges per byte of a remote call's payload),
        tcp={initial_window, mss, rto_min s, handshake, max_window}, radio={idle_promotion,
        fach_promotion, dch_tail, fach_tail} (seconds; 3G RRC states)."""
        if preset_kind:
            h = preset(preset_kind, name, region)
        else:
            h = {"name": name}
            if region:
                h["region"] = region
        h.update(_host_fields(fields))
        self.hosts.append(h)
        return self

    def link(self, a: str, b: str, latency: float, bandwidth: float = 1.25e9, name: Optional[str] = None) -> Scenario:
        """A direct link between two hosts (replaces their star route); latency in seconds."""
        link = {"a": a, "b": b, "latency_ns": int(round(latency * 1e9)), "bandwidth": bandwidth}
        if name:
            link["name"] = name
        self.links.append(link)
        return self

    def _ensure_oms(self) -> None:
        missing = [h for h in (self.oms_replicas or [self.oms_host]) if not any(x["name"] == h for x in self.hosts)]
        self.hosts[:0] = [preset("cloud_server", h, "control") for h in dict.fromkeys(missing)]

    # ---- deployments
    def deploy(self, name: str, on: str, cls: Optional[str] = None, args: Iterable[Any] = (), dms: Iterable[Any] = (),
               spec: Union[str, dict, None] = None, selector: Optional[list] = None, init: Iterable[Call] = ()) -> Scenario:
        """Creates microservice `name` from host `on` (its creator) at time < 0. Either give the spec
        (YAML text, a .yaml path or a dict) or cls/args/dms/selector. `init` calls run right after."""
        if spec is None:
            if cls is None:
                raise TypeError(f"deployment {name!r}: give cls=... or spec=...")
            spec = _spec.spec_dict(cls, args, dms, selector)
        self.deployments.append({"name": name, "node": on, "spec_yaml": _spec.to_yaml(spec),
                                 "init": [c if isinstance(c, dict) else call(*c) for c in init]})
        return self

    # ---- clients
    def client(self, name: str, node: str, target: str, calls: Iterable[Call], count: int = 0, think: float = 0.0,
               rate: float = 0.0, start: float = 0.0, timeout: float = 5.0) -> Scenario:
        """A client on `node` calling microservice `target`. Closed loop: `count` calls, `think` s
        after each reply. Open loop: Poisson arrivals at `rate`/s (count 0 = until the end). `calls`
        are cycled in order; build them with amino.call(method, *args)."""
        calls = [c if isinstance(c, dict) else call(*c) for c in calls]
        self.workloads.append({"client": name, "node": node, "target": target, "calls": calls,
                               "count": int(count), "think": float(think), "rate": float(rate),
                               "start": float(start), "timeout": float(timeout)})
        return self

    # ---- faults (testbed/fault_schedule.h JSON, `at` in seconds from time 0)
    def fault(self, at: float, type: str, **fields: Any) -> Scenario:
        """Any fault of docs/faults.md, e.g. fault(5, "crash", node="a")."""
        self.faults.append({"at": float(at), "type": type, **fields})
        return self

    def partition(self, at: float, *groups: Iterable[str], mode: str = "drop") -> Scenario:
        """At `at` s, cuts the network into `groups` (lists of host names; hosts in no group form one
        more); mode "drop" loses messages across the cut, docs/faults.md lists the others."""
        return self.fault(at, "partition", groups=[list(g) for g in groups], mode=mode)

    def heal(self, at: float) -> Scenario:
        """At `at` s, ends every partition."""
        return self.fault(at, "heal")

    def crash(self, at: float, node: str, wipe_storage: bool = False) -> Scenario:
        """At `at` s, crashes host `node` (its kernel server and every object on it); wipe_storage
        also loses its durable storage."""
        return self.fault(at, "crash", node=node, wipe_storage=wipe_storage)

    def restart(self, at: float, node: str) -> Scenario:
        """At `at` s, restarts a crashed host `node` (its durable storage as the crash left it)."""
        return self.fault(at, "restart", node=node)

    # ---- serialisation
    def to_dict(self, chrome_trace: str = "", jsonl_trace: str = "") -> dict:
        """The scenario as the C++ runner's JSON object (what scenario.json holds); the trace
        arguments are output paths of a Chrome trace and a JSON-lines trace ("" for none)."""
        self._ensure_oms()
        d = {"seed": self.seed, "duration": self.duration, "oms_host": self.oms_host,
             "platform": {"hosts": self.hosts, "links": self.links, "network_model": self.network_model},
             "deployments": self.deployments, "workloads": self.workloads, "faults": self.faults,
             "max_value_chars": self.max_value_chars, "log_level": self.log_level,
             "chrome_trace": chrome_trace, "jsonl_trace": jsonl_trace, "origin": self.origin,
             "backend": self.backend}
        if self.checks:  # only then: saved scenarios without checks stay as they were
            d["checks"] = self.checks
        if self.oms_replicas:  # likewise
            d["oms_replicas"] = list(self.oms_replicas)
        return d

    def to_json(self, **traces: str) -> str:
        """to_dict() as JSON text (traces: to_dict's arguments)."""
        return json.dumps(self.to_dict(**traces), indent=1, sort_keys=True)

    @classmethod
    def from_dict(cls, d: dict) -> Scenario:
        """The Scenario of a to_dict() result (a saved scenario.json). ValueError when `d` does not
        have that shape; the values themselves are checked by the C++ validation before a run."""
        _check_shape(d)
        s = cls(seed=d.get("seed", 1), duration=d.get("duration", 10), oms_host=d.get("oms_host"),
                backend=d.get("backend", "sim"), oms_replicas=d.get("oms_replicas", ()))
        platform = d.get("platform", {})
        s.hosts = copy.deepcopy(platform.get("hosts", []))
        s.links = copy.deepcopy(platform.get("links", []))
        s.network_model = platform.get("network_model", "CM02")
        for key in ("deployments", "workloads", "faults", "checks"):
            setattr(s, key, copy.deepcopy(d.get(key, [])))
        s.max_value_chars = d.get("max_value_chars", 160)
        s.log_level = d.get("log_level", "error")
        s.origin = d.get("origin")
        return s

    @classmethod
    def from_json(cls, text: str) -> Scenario:
        """The Scenario of to_json() text; ValueError when it is not one."""
        return cls.from_dict(json.loads(text))

    def on(self, backend: str) -> Scenario:
        """Selects the backend ("sim", "sockets" or "netns"); returns self."""
        self.backend = backend
        return self

    def with_seed(self, seed: int) -> Scenario:
        """A copy with another seed (the origin's seed follows)."""
        s = Scenario.from_dict(self.to_dict())
        s.seed = int(seed)
        return s
