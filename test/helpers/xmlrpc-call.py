"""Independent XML-RPC caller for the tests: Python's own xmlrpc.client.

Reads JSON on stdin, prints JSON results on stdout, one per call:
  {"url": "...", "calls": [{"method": "...", "params": [...]}]}  -> calls through one ServerProxy
    (with "cafile": "...", an https URL's certificate must be signed by that CA file)
  {"responses": ["<?xml ...>", ...]}                              -> decodes raw response documents
Each result is {"result": value} or {"fault": {"code": int, "string": str}}. With "tag_floats": true,
a float is {"$double": value} both ways, in params and in results: JSON alone turns 2.0 into 2.
With "send_after_seconds": s, each request is sent s seconds after its connection is made, as by a
caller on a loaded machine.
"""
import http.client
import json
import ssl
import sys
import time
import xmlrpc.client


def as_result(thunk):
    try:
        return {"result": thunk()}
    except xmlrpc.client.Fault as fault:
        return {"fault": {"code": fault.faultCode, "string": fault.faultString}}


def tagged(value):
    if isinstance(value, float):
        return {"$double": value}
    if isinstance(value, list):
        return [tagged(item) for item in value]
    if isinstance(value, dict):
        return {name: tagged(item) for name, item in value.items()}
    return value


def untagged(value):
    if isinstance(value, dict):
        if list(value) == ["$double"]:
            return float(value["$double"])
        return {name: untagged(item) for name, item in value.items()}
    if isinstance(value, list):
        return [untagged(item) for item in value]
    return value


def send_late(seconds):
    connect = http.client.HTTPConnection.connect

    def connect_then_wait(self):
        connect(self)
        time.sleep(seconds)

    http.client.HTTPConnection.connect = connect_then_wait


def main():
    request = json.load(sys.stdin)
    if "send_after_seconds" in request:
        send_late(request["send_after_seconds"])
    if "responses" in request:
        results = [as_result(lambda xml=xml: xmlrpc.client.loads(xml)[0][0]) for xml in request["responses"]]
    else:
        cafile = request.get("cafile")
        context = None if cafile is None else ssl.create_default_context(cafile=cafile)
        proxy = xmlrpc.client.ServerProxy(request["url"], context=context)
        decode = untagged if request.get("tag_floats") else (lambda params: params)
        results = [
            as_result(lambda call=call: getattr(proxy, call["method"])(*decode(call.get("params", []))))
            for call in request["calls"]
        ]
    if request.get("tag_floats"):
        results = [{"result": tagged(r["result"])} if "result" in r else r for r in results]
    json.dump(results, sys.stdout)


main()
