import { mkdtemp, writeFile } from 'node:fs/promises';
import { homedir, tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig, parseConfig } from '../../src/config/load-config.js';
import { loadDrainPlan } from '../../src/drain/load-plan.js';

async function configFile(text: string): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'dynslice-config-'));
  const file = join(dir, 'agent.yaml');
  await writeFile(file, text);
  return file;
}

async function errorOf(text: string): Promise<ConfigError> {
  const error = await loadConfig(await configFile(text)).catch((e: unknown) => e);
  expect(error).toBeInstanceOf(ConfigError);
  return error as ConfigError;
}

describe('configuration', () => {
  it('loads the commented example with every section', async () => {
    const config = await loadConfig('examples/agent.yaml');
    expect(config.endpoint).toMatchObject({ listen: '127.0.0.1:8001', path: '/dynslice' });
    expect(config.ssh.hostKeyChecking).toBe('yes');
    expect(config.nodes).toContainEqual({ node_id: 'pc101', client_id: 'node1', host: '127.0.0.1', port: 2222 });
    expect(config.drain.graceful[0]).toMatchObject({ action: 'kill', pattern: 'my-job' });
    expect(config.plugins).toEqual([join(process.cwd(), 'examples/checkpoint-action.ts')]);
    expect(config.ssh.privateKeyPath).toBe(join(homedir(), '.ssh/id_ed25519'));
    expect(config.state.dir).toMatch(/examples\/state$/);
  });

  it('compiles the example’s drain plan with its plugin', async () => {
    const plan = await loadDrainPlan(await loadConfig('examples/agent.yaml'));
    expect(plan.outline.graceful.map((s) => s.name)).toEqual(['kill', 'flush-results']);
    expect(plan.outline.force.map((s) => s.name)).toEqual(['kill']);
    expect(plan.outline.prepare).toHaveLength(1);
  });

  it('fills every default from an empty file', async () => {
    const config = parseConfig(null, 'empty', '/base');
    expect(config.endpoint.maxBodyBytes).toBe(1024 * 1024);
    expect(config.drain).toEqual({
      steps: [],
      graceful: [],
      force: [],
      prepare: [],
      reserveSeconds: 10,
      bestEffortSeconds: 5,
      onFailure: 'hold',
      stepCrashLimit: 3,
    });
    expect(config.valueMeans).toBe('keep-worth');
    expect(config.deletedGraceSeconds).toBe(120);
    expect(config.unknownNodes).toEqual({ policy: 'adopt', max: 10_000 });
    expect(config.state.dir).toBe('/base/state');
  });

  it('accepts YAML 1.1 booleans for yes/no keys', () => {
    expect(parseConfig({ ssh: { hostKeyChecking: false } }, 'x', '/').ssh.hostKeyChecking).toBe('no');
    expect(parseConfig({ ssh: { hostKeyChecking: true } }, 'x', '/').ssh.hostKeyChecking).toBe('yes');
  });

  it('names an unknown key', async () => {
    const error = await errorOf('ssh:\n  user: root\n  hostkeychecking: no\n');
    expect(error.key).toBe('ssh.hostkeychecking');
    expect(error.message).toContain('ssh.hostkeychecking: unknown key');
  });

  it('names a bad value inside a list', async () => {
    const error = await errorOf('drain:\n  steps:\n    - { name: a, run: x, verify: y, timeoutSeconds: -1 }\n');
    expect(error.key).toBe('drain.steps[0].timeoutSeconds');
  });

  it('names a bad enum value and a bad listen address', async () => {
    expect((await errorOf('ssh: { hostKeyChecking: maybe }\n')).key).toBe('ssh.hostKeyChecking');
    expect((await errorOf('endpoint: { listen: "8001" }\n')).key).toBe('endpoint.listen');
  });

  it('reads nodes.site as a site domain, from an authority URN or a domain, and names it when it is neither', async () => {
    const site = (value: string) => {
      const { nodes } = parseConfig({ nodes: { manifest: 'm.xml', site: value } }, 'x', '/');
      return Array.isArray(nodes) ? null : nodes.site;
    };
    expect(site('urn:publicid:IDN+utah.cloudlab.us+authority+cm')).toBe('utah.cloudlab.us');
    expect(site(' Clemson.CloudLab.us ')).toBe('clemson.cloudlab.us');
    for (const bad of ['urn:publicid:IDN+utah.cloudlab.us+node+pc101', 'boss.utah.cloudlab.us/x', '']) {
      const error = await errorOf(`nodes: { manifest: m.xml, site: ${JSON.stringify(bad)} }\n`);
      expect(error.key).toBe('nodes.site');
      expect(error.message).toContain(
        `nodes.site: ${JSON.stringify(bad)} is not a site: expected the authority URN of the cluster the endpoint ` +
          'is registered with (urn:publicid:IDN+utah.cloudlab.us+authority+cm) or its domain (utah.cloudlab.us)',
      );
    }
  });

  it('reports YAML syntax errors and unreadable files', async () => {
    expect((await errorOf('nodes: [\n')).message).toMatch(/not valid YAML/);
    const missing = await loadConfig('/nonexistent/agent.yaml').catch((e: unknown) => e);
    expect((missing as ConfigError).message).toMatch(/cannot read/);
    expect(missing).toMatchObject({ operatorCode: 'DYNSLICE_CONFIG_MISSING' });
  });
});
