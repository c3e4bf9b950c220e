// @ts-check
// A node's drain as chart data (bars per step, moments, risk), from the live view or the journal.
// Plain JavaScript with JSDoc types: the dashboard loads it as is, and the agent imports it.

/**
 * One drain command, started (`end` null) or finished.
 * @typedef {object} CommandMark
 * @property {string} rung graceful, force or prepare
 * @property {number} stepIndex
 * @property {string} step
 * @property {'run' | 'verify'} phase
 * @property {number} start
 * @property {number | null} end
 * @property {number | null} code
 */

/**
 * @typedef {object} Attempt
 * @property {'run' | 'verify'} phase
 * @property {number} start
 * @property {number | null} end
 * @property {number | null} code
 */

/**
 * One step of the drain plan as one bar: every run and verify attempt of it inside.
 * @typedef {object} StepBar
 * @property {string} step
 * @property {string} rung
 * @property {number} start
 * @property {number | null} end null while a command of it runs
 * @property {Attempt[]} attempts
 */

/**
 * @typedef {object} ChartNode
 * @property {string} nodeId
 * @property {string} state top-level state: allocated, draining, drained, held, forced, deleted
 * @property {boolean} settled the chart says the cluster may take it (a state tagged released, or deleted)
 * @property {boolean} drainRunning its drain runs (tag drainRunning)
 * @property {boolean} unverified its drain ended without its verify: held or forced (tag unverified)
 * @property {number | null} revokedAt
 * @property {number | null} deadline
 * @property {number | null} eta
 * @property {number | null} verifiedAt
 * @property {boolean} released
 * @property {number | null} releasedAt
 * @property {number | null} deletedAt
 * @property {boolean} workLost deleted before its drain was verified
 * @property {StepBar[]} steps
 */

/**
 * A node nothing has happened to yet: allocated, not revoked, no drain.
 * @param {string} nodeId
 * @returns {ChartNode}
 */
export const idleChartNode = (nodeId) => ({
  nodeId,
  state: 'allocated',
  settled: false,
  drainRunning: false,
  unverified: false,
  revokedAt: null,
  deadline: null,
  eta: null,
  verifiedAt: null,
  released: false,
  releasedAt: null,
  deletedAt: null,
  workLost: false,
  steps: [],
});

/**
 * Commands (in time order) → one bar per step; a finished command closes the open attempt it ends.
 * @param {CommandMark[]} marks
 * @returns {StepBar[]}
 */
export function stepBars(marks) {
  /** @type {StepBar[]} */
  const bars = [];
  /** @type {Map<StepBar, string>} */
  const keys = new Map();
  for (const mark of [...marks].sort((a, b) => a.start - b.start)) {
    const key = `${mark.rung}:${mark.stepIndex}`;
    let bar = bars.at(-1);
    if (!bar || keys.get(bar) !== key) {
      bar = { step: mark.step, rung: mark.rung, start: mark.start, end: null, attempts: [] };
      bars.push(bar);
      keys.set(bar, key);
    }
    const open = bar.attempts.find((a) => a.phase === mark.phase && a.start === mark.start && a.end === null);
    if (open) Object.assign(open, { end: mark.end, code: mark.code });
    else bar.attempts.push({ phase: mark.phase, start: mark.start, end: mark.end, code: mark.code });
  }
  for (const bar of bars) {
    const running = bar.attempts.some((a) => a.end === null);
    bar.end = running ? null : bar.attempts.reduce((end, a) => Math.max(end, /** @type {number} */ (a.end)), bar.start);
  }
  return bars;
}

/**
 * A node of the status API (with its timeline) as chart data. Only what happened since its
 * revocation is drawn: a node back in the slice starts a fresh row.
 * @param {{ nodeId: string, state: string, revokedAt: number | null, deadline: number | null, eta: number | null,
 *   released: boolean, releasedAt: number | null, deletedAt: number | null, workLost?: boolean,
 *   drainRunning: boolean, unverified: boolean, gone: boolean,
 *   timeline?: { at: number, kind: string, command?: { rung: string, stepIndex: number, step: string,
 *     phase: 'run' | 'verify', startedAt: number, finishedAt?: number, code?: number | null } }[] }} view
 * @returns {ChartNode}
 */
export function chartNodeOfView(view) {
  const since = view.revokedAt ?? Infinity;
  const entries = (view.timeline ?? []).filter((e) => e.at >= since);
  /** @type {CommandMark[]} */
  const marks = [];
  for (const { command } of entries) {
    if (!command) continue;
    const end = command.finishedAt ?? null;
    const mark = { rung: command.rung, stepIndex: command.stepIndex, step: command.step, phase: command.phase };
    marks.push({ ...mark, start: command.startedAt, end, code: command.code ?? null });
  }
  const verified = entries.find((e) => e.kind === 'drained');
  return {
    nodeId: view.nodeId,
    state: view.state,
    settled: view.released || view.gone,
    drainRunning: view.drainRunning,
    unverified: view.unverified,
    revokedAt: view.revokedAt,
    deadline: view.deadline,
    eta: view.eta,
    verifiedAt: verified ? verified.at : null,
    released: view.released,
    releasedAt: view.releasedAt,
    deletedAt: view.deletedAt,
    workLost: view.workLost ?? false,
    steps: stepBars(marks),
  };
}

/**
 * Slack = time left at the drain's expected end (deadline − ETA). A held node will not end by
 * itself: no slack at all. Done or not revoked: nothing to worry about.
 * @param {ChartNode} node
 * @param {number} now
 * @returns {{ slackMs: number, atRisk: boolean }}
 */
export function riskOf(node, now) {
  if (node.released || node.settled || node.deadline === null) return { slackMs: Infinity, atRisk: false };
  if (node.unverified) return { slackMs: -Infinity, atRisk: true };
  const slackMs = node.deadline - Math.max(now, node.eta ?? now);
  const window = node.revokedAt === null ? 0 : node.deadline - node.revokedAt;
  return { slackMs, atRisk: slackMs < Math.max(10_000, window * 0.1) };
}

/**
 * Most at risk first: least slack, then nearest deadline, then node id.
 * @param {ChartNode[]} nodes
 * @param {number} now
 * @returns {{ node: ChartNode, slackMs: number, atRisk: boolean }[]}
 */
export function byRisk(nodes, now) {
  const rows = nodes.map((node) => ({ node, ...riskOf(node, now) }));
  const deadline = (/** @type {ChartNode} */ n) => n.deadline ?? Infinity;
  return rows.sort((a, b) => {
    if (a.slackMs !== b.slackMs) return a.slackMs < b.slackMs ? -1 : 1;
    if (deadline(a.node) !== deadline(b.node)) return deadline(a.node) < deadline(b.node) ? -1 : 1;
    return a.node.nodeId < b.node.nodeId ? -1 : a.node.nodeId > b.node.nodeId ? 1 : 0;
  });
}

/**
 * The wave in figures: nodes released before their deadline and the node-seconds that gave back
 * to the cluster, nodes at risk now, nodes whose work was lost.
 * @param {ChartNode[]} nodes
 * @param {number} now
 */
export function waveSummary(nodes, now) {
  let releasedEarly = 0;
  let secondsBack = 0;
  for (const n of nodes) {
    if (n.releasedAt === null || n.deadline === null || n.releasedAt >= n.deadline) continue;
    releasedEarly += 1;
    secondsBack += (n.deadline - n.releasedAt) / 1000;
  }
  return {
    nodes: nodes.length,
    released: nodes.filter((n) => n.released).length,
    releasedEarly,
    secondsBack: Math.round(secondsBack),
    atRisk: nodes.filter((n) => riskOf(n, now).atRisk).length,
    workLost: nodes.filter((n) => n.workLost).length,
  };
}

/**
 * The summary line the dashboard and `status --watch` show.
 * @param {ReturnType<typeof waveSummary>} s
 */
export const summaryLine = (s) =>
  `${s.nodes} nodes · ${s.released} released (${s.releasedEarly} early, ${s.secondsBack} node-seconds back) · ` +
  `${s.atRisk} at risk · ${s.workLost} work lost`;
