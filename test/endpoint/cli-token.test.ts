import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { BIN, startAgentProcess } from '../helpers/agent-process.js';
import { createTestPki, type TestPki } from '../helpers/test-pki.js';
import { perlMethodCall } from '../helpers/xmlrpc-perl-style.js';
import { postHttps } from './https-post.js';

const run = promisify(execFile);
const cli = (...args: string[]) => run(process.execPath, [BIN, ...args]);
const cliStatus = (...args: string[]) =>
  cli(...args).then(
    ({ stdout, stderr }) => ({ code: 0, stdout, stderr }),
    (error: { code: number; stdout: string; stderr: string }) => ({
      code: error.code,
      stdout: error.stdout,
      stderr: error.stderr,
    }),
  );

let dir: string;
let pki: TestPki;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'dynslice-cli-token-'));
  pki = await createTestPki();
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
  await pki.remove();
});

describe('dynslice-agent token', () => {
  it('prints a fresh 43-character base64url token each time', async () => {
    const [a, b] = await Promise.all([cli('token'), cli('token')]);
    expect(a.stdout).toMatch(/^[A-Za-z0-9_-]{43}\n$/);
    expect(b.stdout).toMatch(/^[A-Za-z0-9_-]{43}\n$/);
    expect(a.stdout).not.toBe(b.stdout);
  });

  it('writes a new file only its owner can read, and never overwrites one', async () => {
    const file = join(dir, 'endpoint.token');
    expect((await cliStatus('token', '--out', file)).code).toBe(0);
    const written = await readFile(file, 'utf8');
    expect(written).toMatch(/^[A-Za-z0-9_-]{43}\n$/);
    expect((await stat(file)).mode & 0o777).toBe(0o600);
    const again = await cliStatus('token', '--out', file);
    expect(again.code).toBe(1);
    expect(again.stderr).toContain('EEXIST');
    expect(await readFile(file, 'utf8')).toBe(written);
  });
});

describe('dynslice-agent run with a token and TLS', () => {
  it('says on stderr where the URL to register and its token are, never writing the token (stderr is no terminal)', async () => {
    const tokenFile = join(dir, 'run.token');
    await cli('token', '--out', tokenFile);
    const token = (await readFile(tokenFile, 'utf8')).trim();
    const agent = await startAgentProcess(dir, {
      endpoint: { listen: '127.0.0.1:0', tokenFile, tls: { cert: pki.server.certPath, key: pki.server.keyPath } },
      state: { dir: join(dir, 'state') },
      dryRun: true,
    });
    try {
      const registered = `https://127.0.0.1:${agent.port}/dynslice/${token}`;
      const shown = `https://127.0.0.1:${agent.port}/dynslice/[token] ([token]: the first line of ${tokenFile}`;
      await expect.poll(() => agent.stderr()).toContain(`register this endpoint with the cluster: ${shown}`);
      expect(agent.stderr()).not.toContain(token);
      expect(agent.url).toBe(`https://127.0.0.1:${agent.port}/dynslice/[token]`);
      const answer = await postHttps(registered, perlMethodCall('GetVersion', []), { ca: pki.server.cert });
      expect(answer.body).toContain('<string>1.0</string>');
      expect(JSON.stringify(agent.lines)).not.toContain(token);
    } finally {
      await agent.stop();
    }
  });

  it.each([
    [
      'a certificate file that does not exist',
      { tls: { cert: 'missing.pem', key: 'missing.key' } },
      'endpoint.tls.cert',
    ],
    ['plain HTTP on every address', { listen: '0.0.0.0:0' }, 'endpoint.tls'],
    ['a token file that is not a token', { tokenFile: 'refused.yaml' }, 'endpoint.tokenFile'],
  ])('refuses %s with exit status 2 naming the key', async (_, endpoint, key) => {
    const file = join(dir, 'refused.yaml');
    await writeFile(
      file,
      stringify({ endpoint: { listen: '127.0.0.1:0', ...endpoint }, state: { dir: join(dir, 'state') }, dryRun: true }),
    );
    const outcome = await cliStatus('run', '-c', file);
    expect(outcome.code).toBe(2);
    expect(outcome.stderr).toContain(`${key}:`);
  });
});
