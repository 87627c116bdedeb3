"""jsonrpc.py: a JSON-RPC client for the xovs daemons' unix sockets
(docs/api.md: one request per line, one answer per line), for the tests'
Python drivers (torture-agent.py, ctl-torture.py)."""

import json
import socket


class Rpc:
    """One JSON-RPC connection; call() returns ("ok", result),
    ("error", message) or ("unknown", None) when no answer came (the
    daemon died or did not answer within 'timeout' seconds)."""

    def __init__(self, path, timeout):
        self.s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.s.settimeout(timeout)
        self.s.connect(path)
        self.f = self.s.makefile("rb")
        self.id = 0

    def call(self, method, params):
        self.id += 1
        req = {"jsonrpc": "2.0", "id": self.id, "method": method,
               "params": params}
        try:
            self.s.sendall((json.dumps(req) + "\n").encode())
            line = self.f.readline()
        except OSError:
            return ("unknown", None)
        if not line:
            return ("unknown", None)
        rep = json.loads(line)
        if rep.get("error") is not None:
            return ("error", rep["error"].get("message", ""))
        return ("ok", rep.get("result"))

    def close(self):
        try:
            self.s.close()
        except OSError:
            pass
