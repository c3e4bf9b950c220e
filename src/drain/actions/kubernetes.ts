import { z } from 'zod';
import { type DrainActionContext, defineDrainAction, type ExitMeaning, mustReach, passesOnExit } from '../sdk.js';
import { countWithSample, outputLines } from '../verify-status.js';
import { controllerOption, schedulerNodeName } from './scheduler-node.js';

const options = z.strictObject({
  /**
   * The node's name in Kubernetes; `{client_id}`, `{node_id}` and `{host}` are replaced. Default:
   * the node's host name (`hostname`) when run on the node, `{host}` when run on a controller.
   */
  nodeName: z.string().min(1).optional(),
  /** Run kubectl there (the control-plane host, with an admin kubeconfig) instead of on the node. */
  controller: controllerOption,
  /**
   * evict: the eviction API, which honours PodDisruptionBudgets (what `kubectl drain` does); delete:
   * the force variant, pods deleted without eviction and without a grace period.
   */
  pods: z.enum(['evict', 'delete']).default('evict'),
  /** How long `kubectl drain` waits for the pods to go (its --timeout); the verify then decides. */
  waitSeconds: z.number().int().positive().default(50),
});
type Options = z.output<typeof options>;

// Values travel in the environment; an empty node name means "this host".
const NODE = 'N="${DYNSLICE_K8S_NODE:-$(hostname)}"';
const PODS = {
  evict: '',
  delete: ' --disable-eviction --force --grace-period=0',
};
/**
 * One row a pod on the node: namespace/name, the kinds of its owners, its mirror annotation (a static
 * pod the kubelet runs), its phase; tab-separated (kubectl's jsonpath output, checked against
 * kubectl v1.32.4).
 */
const POD_ROWS =
  '{range .items[*]}{.metadata.namespace}/{.metadata.name}{"\\t"}{.metadata.ownerReferences[*].kind}{"\\t"}' +
  '{.metadata.annotations.kubernetes\\.io/config\\.mirror}{"\\t"}{.status.phase}{"\\n"}{end}';

function run(ctx: DrainActionContext<Options>, command: string) {
  return ctx.ssh.run(`${NODE}; ${command}`, {
    on: ctx.options.controller,
    env: { DYNSLICE_K8S_NODE: schedulerNodeName(ctx, '{host}'), DYNSLICE_K8S_WAIT: String(ctx.options.waitSeconds) },
  });
}

/** The pods `kubectl drain` leaves by design: DaemonSet pods, mirror pods, and pods that have ended. */
function leftToGo(row: string): boolean {
  const [, owners = '', mirror = '', phase = ''] = row.split('\t');
  return !owners.split(/\s+/).includes('DaemonSet') && mirror === '' && phase !== 'Succeeded' && phase !== 'Failed';
}

/**
 * `kubectl get node NODE` first (a node the API server does not know fails: `Error from server
 * (NotFound): nodes "NODE" not found`, exit 1; an empty pod list would prove nothing), then the pods
 * bound to it. Messages as kubectl v1.32.4 prints them.
 */
const KUBECTL = (ctx: DrainActionContext<Options>): ExitMeaning => ({
  tool: 'kubectl',
  where: ctx.options.controller?.host,
  pass: [0],
  stderr: [
    [/The connection to the server .* was refused|Unable to connect to the server|dial tcp/, 'controller-unreachable'],
    [/Error from server \(NotFound\)/, 'unknown-node'],
    [/Error from server \((Forbidden|Unauthorized)\)|must be logged in/, 'permission-denied'],
  ],
  whenPassed: (r) => {
    const left = outputLines(r.stdout).filter(leftToGo);
    return left.length > 0
      ? {
          reason: 'still-running',
          text: `pods on the node: ${countWithSample(left.map((row) => row.split('\t')[0]!))}`,
        }
      : undefined;
  },
});

/** Cordons the node and drains it (evicting, or deleting, its pods); verified when no pod is left but DaemonSet and mirror pods. */
export const kubernetesAction = defineDrainAction({
  name: 'kubernetes',
  options,
  estimateSeconds: (o) => (o.pods === 'evict' ? o.waitSeconds : 15),
  async run(ctx) {
    const drain = `kubectl drain "$N" --ignore-daemonsets --delete-emptydir-data --timeout="\${DYNSLICE_K8S_WAIT}s"`;
    mustReach(await run(ctx, `kubectl cordon "$N" && ${drain}${PODS[ctx.options.pods]}`));
  },
  async verify(ctx) {
    const pods = `kubectl get pods --all-namespaces --field-selector "spec.nodeName=$N" -o jsonpath='${POD_ROWS}'`;
    return passesOnExit(await run(ctx, `kubectl get node "$N" -o name >/dev/null && ${pods}`), KUBECTL(ctx));
  },
});
