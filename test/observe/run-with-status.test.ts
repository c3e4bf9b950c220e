import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse, stringify } from 'yaml';
import { readDiagramBlock } from '../../src/observe/diagram/readme-block.js';
import { type AgentProcess, BIN, startAgentProcess } from '../helpers/agent-process.js';
import { NODES } from './observed-agent.js';

const run = promisify(execFile);
const token = 'process-status-token-0123456789abcdef';

describe('the built CLI with a status server', () => {
  let scratch: string;
  let agent: AgentProcess;
  let statusUrl: string;

  beforeAll(async () => {
    scratch = await mkdtemp(join(tmpdir(), 'dynslice-status-'));
    agent = await startAgentProcess(scratch, {
      endpoint: { listen: '127.0.0.1:0' },
      nodes: NODES,
      dryRun: true,
      status: { listen: '127.0.0.1:0', token },
      state: { dir: join(scratch, 'state') },
    });
    statusUrl = String((await agent.waitFor((l) => l.msg === 'status server listening')).url);
  });

  afterAll(async () => {
    await agent?.stop();
    if (scratch) await rm(scratch, { recursive: true, force: true });
  });

  it('`run` serves the dashboard, its Mermaid copy and the API from dist/', async () => {
    const page = await fetch(`${statusUrl}/`);
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('<script src="vendor/mermaid.min.js">');
    const mermaid = await fetch(`${statusUrl}/vendor/mermaid.min.js`);
    expect(mermaid.headers.get('content-type')).toMatch(/^text\/javascript/);
    expect((await mermaid.arrayBuffer()).byteLength).toBeGreaterThan(1_000_000);
    // The timeline chart's modules, which the agent itself runs too, come from dist/ beside it.
    for (const name of ['chart-rows.js', 'chart-geometry.js', 'chart-svg.js']) {
      const chart = await fetch(`${statusUrl}/timeline-chart/${name}`);
      expect(chart.status).toBe(200);
      expect(chart.headers.get('content-type')).toMatch(/^text\/javascript/);
      expect(await chart.text()).toMatch(/^export (function|const) /m);
    }
    const nodes = await fetch(`${statusUrl}/api/nodes`, { headers: { Authorization: `Bearer ${token}` } });
    expect(((await nodes.json()) as { nodes: unknown[] }).nodes).toHaveLength(NODES.length);
    expect(JSON.stringify(agent.lines)).not.toContain(token);
  });

  it('`status` prints the table from the running agent, with the token from the environment', async () => {
    const { stdout } = await run(process.execPath, [BIN, 'status', '--url', statusUrl], {
      env: { ...process.env, DYNSLICE_STATUS_TOKEN: token },
    });
    expect(stdout).toMatch(/^NODE\s+CLIENT/);
    for (const node of NODES) expect(stdout).toContain(node.node_id);
  });

  it('`status -c` finds the status server and its token in the configuration, most at risk first', async () => {
    // The configuration as it would read with the address the server is bound to (the agent's says port 0).
    const bound = new URL(statusUrl).host;
    const copy = join(scratch, 'bound.yaml');
    const config = parse(await readFile(join(scratch, 'agent.yaml'), 'utf8'));
    await writeFile(copy, stringify({ ...config, status: { ...config.status, listen: bound } }));
    const env = { ...process.env, DYNSLICE_STATUS_TOKEN: '' };
    const { stdout } = await run(process.execPath, [BIN, 'status', '-c', copy], { env });
    expect(stdout).toMatch(/^NODE\s+CLIENT/);
    for (const node of NODES) expect(stdout).toContain(node.node_id);
    // A configuration without a status section: the server is off, and how to turn it on.
    const off = join(scratch, 'off.yaml');
    await writeFile(off, 'endpoint: { listen: "127.0.0.1:0" }\n');
    const refused = await run(process.execPath, [BIN, 'status', '-c', off], { env }).catch(
      (e: { code: number; stderr: string }) => e,
    );
    expect(refused).toMatchObject({ code: 2 });
    expect((refused as { stderr: string }).stderr).toContain(`the status server is off in ${off}: add \`status: {}\``);
    const away = await run(process.execPath, [BIN, 'status', '--url', 'http://127.0.0.1:1'], { env }).catch(
      (e: { stderr: string }) => e,
    );
    expect((away as { stderr: string }).stderr).toContain('status -c FILE finds it there');
  });

  it('`visualize --machine node --format mermaid` prints what the README embeds', async () => {
    const { stdout } = await run(process.execPath, [BIN, 'visualize', '--machine', 'node', '--format', 'mermaid']);
    expect(stdout).toBe(
      readDiagramBlock(await readFile(join(import.meta.dirname, '../../README.md'), 'utf8'), 'node', 'mermaid'),
    );
    const bad = await run(process.execPath, [BIN, 'visualize', '--machine', 'toaster']).catch(
      (e: { code: number }) => e,
    );
    expect(bad).toMatchObject({ code: 2 });
  });
});
