import { z } from 'zod';
import type { DrainActionContext } from '../sdk.js';

/**
 * Where a scheduler's commands run: its controller (`host`, with the SSH `port` and `user` of the
 * node's login by default) instead of the node itself. Shared by the slurm and kubernetes actions.
 */
export const controllerOption = z
  .strictObject({ host: z.string().min(1), port: z.number().int().optional(), user: z.string().optional() })
  .optional();

interface SchedulerOptions {
  nodeName?: string | undefined;
  controller?: z.output<typeof controllerOption>;
}

/**
 * The node's name in the scheduler: `nodeName` with `{client_id}`, `{node_id}` and `{host}` replaced;
 * without one, `onController` when the commands run on a controller, else '' (the node names itself:
 * the command falls back to its own host name).
 */
export function schedulerNodeName(
  ctx: DrainActionContext<SchedulerOptions>,
  onController: '{client_id}' | '{host}',
): string {
  const template = ctx.options.nodeName ?? (ctx.options.controller ? onController : '');
  return template.replace(/\{(client_id|node_id|host)\}/g, (_, field: string) =>
    field === 'client_id'
      ? (ctx.node.clientId ?? ctx.node.nodeId)
      : field === 'node_id'
        ? ctx.node.nodeId
        : ctx.node.host,
  );
}
