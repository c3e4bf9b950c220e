import type { AnyStateMachine } from 'xstate';
import { drainMachine } from '../../../machines/drain.machine.js';
import { nodeMachine } from '../../../machines/node.machine.js';
import { sshConnectionMachine } from '../../../machines/ssh-connection.machine.js';
import { chartModel } from './chart-model.js';
import { toDot } from './dot.js';
import { toMermaid } from './mermaid.js';

/** The charts `visualize` can draw, by the name used on the command line. */
export const MACHINES: Record<string, AnyStateMachine> = {
  node: nodeMachine,
  drain: drainMachine,
  connection: sshConnectionMachine,
};
export const MACHINE_NAMES = Object.keys(MACHINES);

export const DIAGRAM_FORMATS = ['mermaid', 'dot', 'json'] as const;
export type DiagramFormat = (typeof DIAGRAM_FORMATS)[number];

export class UnknownMachineError extends Error {
  readonly code = 'UNKNOWN_MACHINE';
  constructor(readonly machine: string) {
    super(`unknown machine "${machine}": expected one of ${MACHINE_NAMES.join(', ')}`);
    this.name = 'UnknownMachineError';
  }
}

/** A machine's diagram, generated from its definition. */
export function renderDiagram(machine: string, format: DiagramFormat): string {
  const definition = Object.hasOwn(MACHINES, machine) ? MACHINES[machine] : undefined;
  if (!definition) throw new UnknownMachineError(machine);
  const model = chartModel(definition);
  if (format === 'mermaid') return toMermaid(model);
  if (format === 'dot') return toDot(model);
  return `${JSON.stringify(model, null, 2)}\n`;
}
