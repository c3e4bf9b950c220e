// One line per node: revoked → drain steps → verified → released → deleted, with times from the start.

const offset = (ms) => `+${(Math.max(0, ms) / 1000).toFixed(1)} s`;

/** Redraws the timelines; the lines keep their order (by node id). */
export function renderTimelines(container, nodes) {
  const lines = new Map([...container.children].map((line) => [line.dataset.nodeId, line]));
  for (const node of [...nodes].sort((a, b) => a.nodeId.localeCompare(b.nodeId))) {
    const entries = node.timeline ?? [];
    let line = lines.get(node.nodeId);
    lines.delete(node.nodeId);
    if (entries.length === 0) {
      line?.remove();
      continue;
    }
    if (!line) {
      line = document.createElement('div');
      line.className = 'timeline';
      line.dataset.nodeId = node.nodeId;
    }
    const who = document.createElement('span');
    who.className = 'who';
    who.textContent = node.nodeId;
    const start = Math.min(...entries.map((entry) => entry.at));
    const chips = entries.map((entry) => {
      const chip = document.createElement('span');
      chip.className = 'chip';
      chip.dataset.kind = entry.kind;
      const time = chip.appendChild(document.createElement('time'));
      time.textContent = offset(entry.at - start);
      time.title = new Date(entry.at).toLocaleTimeString();
      chip.append(entry.text);
      return chip;
    });
    line.replaceChildren(who, ...chips);
    container.appendChild(line);
  }
  for (const stale of lines.values()) stale.remove();
}
