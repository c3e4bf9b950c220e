"""Independent XML-RPC caller for the tests: Python's own xmlrpc.client.

Reads JSON on stdin, prints JSON results on stdout, one per call:
  {"url": "...", "calls": [{"method": "...", "params": [...]}]}  -> calls through one ServerProxy
    (with "cafile": "...", an https URL's certificate must be signed by that CA file)
  {"responses": ["<?xml ...>", ...]}                              -> decodes raw response documents
Each result is {"result": value} or {"fault": {"code": int, "string": str}}.
"""
import json
import ssl
import sys
import xmlrpc.client


def as_result(thunk):
    try:
        return {"result": thunk()}
    except xmlrpc.client.Fault as fault:
        return {"fault": {"code": fault.faultCode, "string": fault.faultString}}


def main():
    request = json.load(sys.stdin)
    if "responses" in request:
        results = [as_result(lambda xml=xml: xmlrpc.client.loads(xml)[0][0]) for xml in request["responses"]]
    else:
        cafile = request.get("cafile")
        context = None if cafile is None else ssl.create_default_context(cafile=cafile)
        proxy = xmlrpc.client.ServerProxy(request["url"], context=context)
        results = [
            as_result(lambda call=call: getattr(proxy, call["method"])(*call.get("params", [])))
            for call in request["calls"]
        ]
    json.dump(results, sys.stdout)


main()
