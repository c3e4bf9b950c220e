/** What runs on the workers: plain jobs, Slurm, or Kubernetes (the profile's `workload` parameter). */
export const WORKLOADS = ['jobs', 'slurm', 'kubernetes'] as const;
export type Workload = (typeof WORKLOADS)[number];

/**
 * The `drain:` section `init` writes for a workload. Jobs: an empty plan with commented examples
 * (nodes are held until the deadline until you fill it in). Slurm and Kubernetes: their operators'
 * way, ready to run: stop new work, let running work finish, then requeue or delete what is left.
 * `controllerHost`: where kubectl runs (this machine: the admin kubeconfig is on the control plane).
 */
export function drainSection(workload: Workload, controllerHost: string): string {
  switch (workload) {
    case 'slurm':
      return `drain:
  # Slurm runs on the workers: DRAIN the node (no new job lands), let its jobs finish; when time runs
  # short, requeue them. scontrol and squeue run on the node (add controller: { host: … } to run them
  # on the head node instead). See the ladder with:  dynslice-agent check -c THIS_FILE
  graceful:
    - { action: slurm, reason: "reclaimed by cluster" }
  force:
    - { action: slurm, jobs: requeue }
  # A drain that fails: hold the node until the deadline, or release it now.
  onFailure: hold
`;
    case 'kubernetes':
      return `drain:
  # Kubernetes runs on the workers: cordon the node, evict its pods (PodDisruptionBudgets honoured);
  # when time runs short, delete what is left. kubectl runs on this machine, the control plane
  # (set nodeName if your nodes register under another name than their host name).
  # See the ladder with:  dynslice-agent check -c THIS_FILE
  graceful:
    - { action: kubernetes, controller: { host: ${JSON.stringify(controllerHost)} } }
  force:
    - { action: kubernetes, controller: { host: ${JSON.stringify(controllerHost)} }, pods: delete }
  # A drain that fails: hold the node until the deadline, or release it now.
  onFailure: hold
`;
    case 'jobs':
      return `drain:
  # What to stop on a node before the cluster takes it back. A node is released early only when
  # every verify of a rung passes; with no steps, nodes are held until the cluster's deadline.
  # Uncomment and adapt, then see the ladder with:  dynslice-agent check -c THIS_FILE
  graceful: []
  #  - { action: kill, pattern: "my-job", signal: TERM, killAfterSeconds: 20 }
  #  - { action: systemd, units: [my-worker.service] }
  #  - name: checkpoint
  #    action: command
  #    run: "my-job checkpoint --to /proj/myproj/ckpt/$DYNSLICE_NODE_ID"
  #    # passes only when pgrep found nothing (exit 1), never when pgrep itself failed
  #    verify: "pgrep -f my-job >/dev/null; [ $? -eq 1 ]"
  force: []
  #  - { action: kill, pattern: "my-job", signal: KILL }
  # A drain that fails: hold the node until the deadline, or release it now.
  onFailure: hold
`;
  }
}
