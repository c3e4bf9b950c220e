import { readFile } from 'node:fs/promises';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import { ConfigError } from '../config/load-config.js';

/** Countdown calls are numbered from 1 (the first NotifyDeletePending a node receives in a wave). */
const tick = z.number().int().positive();

const waveSchema = z
  .strictObject({
    /** The countdown call at which these nodes are first named. */
    tick: tick.default(1),
    /** Named nodes; nodes the slice does not hold are sent too (the agent adopts or releases them). */
    nodes: z.array(z.coerce.string().min(1)).min(1).optional(),
    /** Or the newest `count` nodes not yet revoked (LIFO); `rest` takes all of them. */
    count: z.union([z.number().int().positive(), z.literal('rest')]).optional(),
  })
  .refine((wave) => (wave.nodes === undefined) !== (wave.count === undefined), 'set either nodes or count');

const faultSchema = z.discriminatedUnion('kind', [
  /** The cluster cannot wait: these nodes (default: every pending node) are sent with max_wait_time 0. */
  z.strictObject({ kind: z.literal('no-wait'), tick, nodes: z.array(z.coerce.string()).min(1).optional() }),
  /** The countdown call is not sent at all; time runs on. */
  z.strictObject({ kind: z.literal('missed-tick'), tick }),
  /** The same call is sent twice in a row. */
  z.strictObject({ kind: z.literal('duplicated-tick'), tick }),
  /** The agent answers, but the cluster never reads the reply (it timed out). */
  z.strictObject({ kind: z.literal('reply-timeout'), tick }),
]);

export const scenarioSchema = z.strictObject({
  name: z.string().min(1).default('scenario'),
  description: z.string().optional(),
  /** Seconds between two countdown calls (the real cluster: 60). */
  interval: z.number().positive().default(60),
  /** max_wait_time of a node's first countdown call; default: the registered defwaittime. */
  waitTime: z.number().int().nonnegative().optional(),
  /** SetResourceValues also describes this many nodes outside the slice (no client_id). */
  otherNodes: z.number().int().nonnegative().default(2),
  /** How long the cluster waits for a reply (CloudLab: 500 s). */
  replyTimeoutSeconds: z.number().positive().default(500),
  waves: z
    .array(waveSchema)
    .min(1)
    .default([{ tick: 1, count: 'rest' }]),
  faults: z.array(faultSchema).default([]),
  /** What "ended as expected" means for this scenario. */
  expect: z
    .strictObject({
      /**
       * Nodes released before their deadline: a number, node ids, or `all` — every node except
       * those the cluster stopped waiting for (a `no-wait` fault).
       */
      releasedEarly: z
        .union([z.literal('all'), z.number().int().nonnegative(), z.array(z.coerce.string())])
        .default('all'),
      /** Nodes deleted before their drain was verified; `any` when the scenario cannot promise it. */
      workLost: z.union([z.number().int().nonnegative(), z.literal('any')]).default(0),
    })
    .prefault({}),
});

export type Scenario = z.infer<typeof scenarioSchema>;
export function parseScenario(doc: unknown, source: string): Scenario {
  const result = scenarioSchema.safeParse(doc ?? {});
  if (result.success) return result.data;
  const first = result.error.issues[0];
  const key = first ? first.path.map(String).join('.') : null;
  throw new ConfigError(`${source}: invalid scenario\n${z.prettifyError(result.error)}`, key);
}

export async function loadScenario(file: string): Promise<Scenario> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    throw new ConfigError(
      `${file}: cannot read the scenario (${(error as NodeJS.ErrnoException).code ?? 'error'})`,
      null,
    );
  }
  try {
    return parseScenario(parseYaml(text), file);
  } catch (error) {
    if (error instanceof ConfigError) throw error;
    throw new ConfigError(`${file}: not valid YAML: ${(error as Error).message}`, null);
  }
}
