"""The reference client endpoint: Python's standard-library SimpleXMLRPCServer answering SUCCESS.

What spec/client-endpoint-seed.txt describes (elasticslice's stub): every method returns
{code: 0, value: 0, output: ""} (GetVersion: output "1.0") and does no work. Binds 127.0.0.1 on a
free port and prints it on stdout; stops on SIGTERM.
"""
import sys
from xmlrpc.server import SimpleXMLRPCRequestHandler, SimpleXMLRPCServer


def success(output=""):
    return {"code": 0, "value": 0, "output": output}


class Endpoint:
    def GetVersion(self, params=None):
        return success("1.0")

    def SetResourceValues(self, params):
        return success()

    def NotifyDeletePending(self, params):
        return success()

    def NotifyDeleteComplete(self, params):
        return success()


class QuietHandler(SimpleXMLRPCRequestHandler):
    rpc_paths = ("/dynslice",)
    # Keep-alive, as the agent's endpoint serves: the stub then pays no TCP setup per call, and a
    # load generator measures it cleanly (the stock HTTP/1.0 closes the connection after each reply).
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass


class QuietServer(SimpleXMLRPCServer):
    def handle_error(self, request, client_address):
        pass  # the load generator resets its keep-alive connection when a run ends


server = QuietServer(("127.0.0.1", 0), requestHandler=QuietHandler, logRequests=False, allow_none=False)
server.register_instance(Endpoint())
print(server.server_address[1], flush=True)
server.serve_forever()
