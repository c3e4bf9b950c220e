// The drain of one selected node, step by step: graceful steps, then force; the step it is in marked.
import { chartNodeOfView } from './timeline-chart/chart-rows.js';

const outcome = (attempt) =>
  attempt.end === null
    ? 'running'
    : attempt.code === 0
      ? 'ok'
      : attempt.code === null
        ? 'no exit code'
        : `exit ${attempt.code}`;

/** Draws the ladder of `node` (or a hint when none is selected) into `container`. */
export function renderDrainLadder(container, node) {
  container.replaceChildren();
  const title = container.appendChild(document.createElement('h3'));
  if (!node) {
    title.textContent = 'Click a node (table or timeline) to see its drain step by step.';
    return;
  }
  title.textContent = `${node.nodeId}: ${node.stateName}${node.failure ? ` — ${node.failure.split('\n')[0]}` : ''}`;
  const chart = chartNodeOfView(node);
  const list = container.appendChild(document.createElement('ol'));
  list.className = 'ladder';
  if (chart.steps.length === 0) list.appendChild(document.createElement('li')).textContent = 'no drain command yet';
  const current = node.step;
  chart.steps.forEach((bar, i) => {
    const item = list.appendChild(document.createElement('li'));
    item.dataset.rung = bar.rung;
    const isCurrent =
      current !== null && i === chart.steps.length - 1 && current.step === bar.step && current.rung === bar.rung;
    if (isCurrent && bar.end === null) item.classList.add('current');
    const last = bar.attempts.at(-1);
    const head = item.appendChild(document.createElement('strong'));
    head.textContent = `${bar.rung} · ${bar.step}`;
    item.append(
      ` — ${bar.attempts.length} command${bar.attempts.length === 1 ? '' : 's'}, last: ${last.phase} ${outcome(last)}`,
    );
    if (isCurrent && bar.end === null) item.append(' ◀ now');
  });
}
