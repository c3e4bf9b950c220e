// The nodes table. Node ids and failures come from the network: text only, never HTML.

const COLUMNS = ['node', 'client', 'host', 'state', 'value', 'countdown', 'step', 'eta', 'released', 'failure'];

const clock = (ms) => (ms === null || ms === undefined ? '—' : new Date(ms).toLocaleTimeString());

function seconds(s) {
  const total = Math.max(0, Math.round(s));
  if (total >= 3600) return `${Math.floor(total / 3600)} h ${Math.floor((total % 3600) / 60)} min`;
  if (total >= 60) return `${Math.floor(total / 60)} min ${total % 60} s`;
  return `${total} s`;
}

function stateCell(cell, node) {
  let badge = cell.firstElementChild;
  if (!badge) badge = cell.appendChild(document.createElement('span'));
  badge.className = 'state';
  badge.dataset.state = node.state;
  badge.textContent = node.state;
  if (node.subState) {
    const sub = badge.appendChild(document.createElement('small'));
    sub.textContent = ` · ${node.subState}`;
  }
}

function countdownCell(cell, node, now) {
  let bar = cell.firstElementChild;
  if (!bar) {
    bar = cell.appendChild(document.createElement('div'));
    bar.className = 'bar';
    bar.appendChild(document.createElement('div')).className = 'fill';
    bar.appendChild(document.createElement('span')).className = 'text';
  }
  bar.dataset.released = String(node.released);
  const [fill, text] = bar.children;
  if (node.deadline === null) {
    fill.style.width = '0%';
    text.textContent = node.gone ? 'gone' : 'not revoked';
    return;
  }
  const left = Math.max(0, (node.deadline - now) / 1000);
  const window = node.revokedAt === null ? left : Math.max(1, (node.deadline - node.revokedAt) / 1000);
  fill.style.width = `${Math.min(100, (left / window) * 100)}%`;
  // How early it went does not shrink as time passes: measured at the release.
  const early = node.releasedAt === null ? left : Math.max(0, (node.deadline - node.releasedAt) / 1000);
  text.textContent = node.released ? `released ${seconds(early)} early` : `${seconds(left)} left`;
}

function stepText(node) {
  const step = node.step;
  if (!step) return '—';
  const attempt = step.attempt > 0 ? ` #${step.attempt + 1}` : '';
  const outcome =
    step.finishedAt === undefined ? 'running' : step.code === 0 ? 'ok' : (step.failure ?? `exit ${step.code}`);
  return `${step.step} · ${step.phase}${attempt} · ${outcome}`;
}

function etaText(node, now) {
  if (node.eta === null) return '—';
  return `${clock(node.eta)} (in ${seconds((node.eta - now) / 1000)}${node.etaBasis === 'plan' ? ', planned' : ''})`;
}

function fillRow(row, node, now) {
  const cells = row.children;
  // A node given back to the slice after its deletion: which life of it this row shows.
  cells[0].textContent = node.incarnation > 1 ? `${node.nodeId} #${node.incarnation}` : node.nodeId;
  cells[1].textContent = node.clientId ?? '—';
  cells[2].textContent = node.host;
  stateCell(cells[3], node);
  cells[4].textContent = node.value === null ? '—' : String(node.value);
  countdownCell(cells[5], node, now);
  cells[6].textContent = stepText(node);
  cells[7].textContent = etaText(node, now);
  cells[8].textContent = clock(node.releasedAt);
  cells[9].textContent = node.failure ?? (node.workLost ? 'work lost' : '');
}

/**
 * Creates, updates and orders one row per node, in the order given (most at risk first); the rows
 * of `changedIds` flash, those of `atRisk` are marked, the `selected` one highlighted.
 */
export function renderNodeRows(tbody, nodes, now, { changedIds, atRisk, selected }) {
  const rows = new Map([...tbody.rows].map((row) => [row.dataset.nodeId, row]));
  const flash = [];
  nodes.forEach((node, i) => {
    let row = rows.get(node.nodeId);
    if (!row) {
      row = document.createElement('tr');
      row.dataset.nodeId = node.nodeId;
      for (const column of COLUMNS) row.appendChild(document.createElement('td')).className = column;
    }
    rows.delete(node.nodeId);
    row.dataset.state = node.stateName;
    row.classList.toggle('at-risk', atRisk.has(node.nodeId));
    row.classList.toggle('selected', node.nodeId === selected);
    fillRow(row, node, now);
    // Moved only when out of place: a thousand rows re-appended every second cost a layout each.
    if (tbody.rows[i] !== row) tbody.insertBefore(row, tbody.rows[i] ?? null);
    if (changedIds.has(node.nodeId)) flash.push(row);
  });
  for (const stale of rows.values()) stale.remove();
  // Restart the flash of every changed row with one layout, not one per row.
  for (const row of flash) row.classList.remove('changed');
  if (flash.length > 0) void tbody.offsetWidth;
  for (const row of flash) row.classList.add('changed');
}
