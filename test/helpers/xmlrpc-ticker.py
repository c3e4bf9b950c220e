"""Calls one XML-RPC method again and again with Python's xmlrpc.client, timing each call.

Reads JSON on stdin: {"url": "...", "method": "...", "params": [...], "everySeconds": 0.5, "count": 60}
Prints JSON on stdout, one entry per call: {"ms": float} plus "result", "fault" or "error" (a call
that got no answer at all, e.g. the server died). A call is sent every `everySeconds` or, when one
takes longer, as soon as the previous one answered.
"""
import json
import socket
import sys
import time
import xmlrpc.client


def main():
    request = json.load(sys.stdin)
    socket.setdefaulttimeout(10)
    ticks = []
    start = time.monotonic()
    for i in range(request["count"]):
        delay = start + i * request["everySeconds"] - time.monotonic()
        if delay > 0:
            time.sleep(delay)
        proxy = xmlrpc.client.ServerProxy(request["url"])
        sent = time.monotonic()
        tick = {}
        try:
            tick["result"] = getattr(proxy, request["method"])(*request.get("params", []))
        except xmlrpc.client.Fault as fault:
            tick["fault"] = {"code": fault.faultCode, "string": fault.faultString}
        except Exception as error:  # no answer: refused, reset, timed out
            tick["error"] = repr(error)
        tick["ms"] = (time.monotonic() - sent) * 1000
        ticks.append(tick)
    json.dump(ticks, sys.stdout)


main()
