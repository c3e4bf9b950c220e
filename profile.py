"""dynslice-agent on a CloudLab experiment: a head node runs the agent, the workers are the nodes it drains.

Instructions:
At boot the head node installs Node.js 20, builds dynslice-agent from this repository's clone in
/local/repository (examples/cloudlab/install.sh, log in /var/tmp/dynslice-install.log), writes
/etc/dynslice-agent/agent.yaml and starts the dynslice-agent service. Put your drain plan under
`drain:` in that file, then run `sudo systemctl restart dynslice-agent` (a reload only re-reads
the node list).
To register, upload your cloudlab.pem and the slice credential to the head node and run
`sudo dynslice-agent register -c /etc/dynslice-agent/agent.yaml`.
"""

import geni.portal as portal
import geni.rspec.pg as pg

pc = portal.Context()
pc.defineParameter("workers", "Number of worker nodes", portal.ParameterType.INTEGER, 2,
                   longDescription="Nodes the cluster may take back; the agent drains them first.")
pc.defineParameter("workload", "What runs on the workers", portal.ParameterType.STRING, "jobs",
                   [("jobs", "Plain jobs (write your own drain plan)"), ("slurm", "Slurm"),
                    ("kubernetes", "Kubernetes")],
                   longDescription="Chooses the drain plan the head node writes: Slurm's DRAIN then requeue, "
                                   "or Kubernetes' cordon and drain. The head node reads it with geni-get param.")
pc.defineParameter("hardware", "Hardware type (empty: any)", portal.ParameterType.STRING, "")
pc.defineParameter("image", "Disk image", portal.ParameterType.STRING,
                   "urn:publicid:IDN+emulab.net+image+emulab-ops//UBUNTU22-64-STD")
params = pc.bindParameters()
if params.workers < 1 or params.workers > 64:
    pc.reportError(portal.ParameterError("Choose between 1 and 64 workers.", ["workers"]))
pc.verifyParameters()

request = pc.makeRequestRSpec()
lan = request.LAN("lan")


def add_node(name):
    node = request.RawPC(name)
    node.disk_image = params.image
    # Root's key on every node, and its public half in root's authorized_keys: the head node's
    # agent logs in to the workers with it (/root/.ssh/id_rsa). Without it, nothing can drain.
    node.installRootKeys(True, True)
    if params.hardware:
        node.hardware_type = params.hardware
    lan.addInterface(node.addInterface("if-" + name))
    return node


head = add_node("head")
# This file is the top of a dynslice-agent repository, which CloudLab clones to /local/repository on
# every node; install.sh builds the agent from that clone.
head.addService(pg.Execute(shell="bash",
                           command="sudo bash /local/repository/examples/cloudlab/install.sh"
                                   " > /var/tmp/dynslice-install.log 2>&1"))
for i in range(params.workers):
    add_node("worker%d" % i)

pc.printRequestRSpec(request)
