import type { Logger } from 'pino';
import { drainSchema } from '../config/drain-schema.js';
import { compilePlan } from '../drain/plan.js';
import { ActionRegistry } from '../drain/registry.js';
import { createStepActors } from '../drain/step-actors.js';
import { decodeMethodCall } from '../protocol/call-decoder.js';
import { countdownReply } from '../protocol/countdown-reply.js';
import { decodeCountdown } from '../protocol/lenient-params.js';
import { encodeResponse } from '../protocol/reply-encoder.js';
import { startNodeActor } from '../slice/node-actor.js';
import { provideNodeMachine } from '../slice/provide-machine.js';
import type { SshRunner } from '../ssh/runner-types.js';

const PHANTOM = 'warm-up';
const WARM_UP_LIMIT_MS = 2_000;

/** Runs nothing: the phantom node's commands succeed at once. */
const nowhere: SshRunner = {
  run: async () => ({ kind: 'exited', code: 0, stdout: '', stderr: '' }),
  release: () => undefined,
  close: async () => undefined,
};

/**
 * Drives one phantom node through a whole drain (countdown, a built-in command step and its
 * verify, drained, deleted) on the same machine code as the slice's nodes, with no SSH, no
 * journal and no log line. The first real countdown then runs compiled code: in a fresh process the
 * first drain spent ~10 ms compiling the machines' functions before its first command went out.
 * User plugin actions are never run here: they may have effects of their own.
 */
export async function warmUpDrainPath(logger: Logger, now: () => number): Promise<boolean> {
  const silent = logger.child({ warmUp: true }, { level: 'silent' });
  const plan = compilePlan(
    drainSchema.parse({ steps: [{ name: 'warm-up', run: 'true', verify: 'true' }] }),
    new ActionRegistry(),
  );
  const target = { nodeId: PHANTOM, host: 'warm-up.invalid', port: 22, user: 'root' };
  const leaves = createStepActors({ plan, runner: nowhere, targetOf: () => target, logger: silent, now });
  const actor = startNodeActor(
    provideNodeMachine(leaves, now),
    { nodeId: PHANTOM, clientId: null, plan: plan.outline, bestEffortSeconds: 1, onFailure: 'release', value: null },
    { logger: silent },
  );
  let drained = false;
  actor.on('drained', () => {
    drained = true;
  });
  try {
    actor.send({ type: 'VALUE_SET', value: 0.5, at: now() });
    actor.send({ type: 'DELETE_PENDING', maxWaitTime: 600, at: now() });
    const started = Date.now();
    while (!drained && Date.now() - started < WARM_UP_LIMIT_MS) {
      await new Promise((resolve) => setImmediate(resolve));
    }
    actor.send({ type: 'DELETE_COMPLETE', at: now() });
    return drained;
  } finally {
    actor.stop();
  }
}

/** A countdown as the cluster's Perl side writes it, for warmUpCallPath. */
const SAMPLE_COUNTDOWN =
  '<?xml version="1.0" encoding="UTF-8"?><methodCall><methodName>NotifyDeletePending</methodName><params><param><value><struct>' +
  '<member><name>nodelist</name><value><array><data><value><struct>' +
  '<member><name>node_id</name><value>pc1</value></member><member><name>client_id</name><value>node-1</value></member>' +
  '<member><name>max_wait_time</name><value><i4>600</i4></value></member>' +
  '</struct></value></data></array></value></member></struct></value></param></params></methodCall>';

/** Decodes, validates and answers one sample countdown, touching no node: the first call's codec runs compiled. */
export async function warmUpCallPath(): Promise<void> {
  const call = await decodeMethodCall(Buffer.from(SAMPLE_COUNTDOWN));
  const countdown = decodeCountdown(call.params);
  encodeResponse(countdownReply(countdown, new Set([countdown.nodes[0]!.node_id])));
}
