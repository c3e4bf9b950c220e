/**
 * The hops of one command on its way to a node, in order: handed to its connection, a channel free
 * and the node's `timeout` known, the exec accepted by sshd (channel open, the session's process
 * forked), the wrapper's shell running (its pid marker read), the command's own shell running (its
 * ran marker read). A listener sees each as it happens; the bench reads them to show where the
 * reaction time goes.
 */
export type CommandHop = 'handed' | 'slot' | 'exec' | 'wrapper' | 'ran';

export const COMMAND_HOPS: readonly CommandHop[] = ['handed', 'slot', 'exec', 'wrapper', 'ran'];

/** `at` is `performance.timeOrigin + performance.now()`: epoch milliseconds with a fraction. */
export type HopListener = (nodeId: string, hop: CommandHop, at: number) => void;

export const hopClock = (): number => performance.timeOrigin + performance.now();
