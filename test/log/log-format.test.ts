import { spawnSync } from 'node:child_process';
import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { configSchema } from '../../src/config/schema.js';
import { createLogger } from '../../src/log/logger.js';

/** A destination that keeps what it is given, as text. */
function collector(): { stream: Writable; text: () => string } {
  const chunks: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      chunks.push(chunk.toString());
      done();
    },
  });
  return { stream, text: () => chunks.join('') };
}

describe('log.format', () => {
  it('pretty: a line a person reads (level, message, fields), secrets redacted as in JSON', () => {
    const out = collector();
    const logger = createLogger({ format: 'pretty', destination: out.stream as never });
    logger.warn({ nodeId: 'pc1', to: 'held', token: 'SECRET-TOKEN' }, 'node state changed');
    const text = out.text();
    expect(text).toMatch(/WARN.*node state changed/);
    expect(text).toContain('nodeId: "pc1"');
    expect(text).not.toContain('SECRET-TOKEN');
    expect(text).not.toMatch(/^\{"level"/m);
  });

  it('json, and auto away from a terminal (a pipe, a file, systemd): one JSON object a line', () => {
    const out = collector();
    createLogger({ format: 'json', destination: out.stream as never }).info({ nodeId: 'pc1' }, 'hello');
    expect(JSON.parse(out.text())).toMatchObject({ level: 30, msg: 'hello', nodeId: 'pc1' });
    // The CLI's stdout is a pipe here: `auto` (the default) writes JSON.
    const child = spawnSync(
      process.execPath,
      [
        '--import',
        'tsx',
        '-e',
        "import('./src/log/logger.ts').then(m => m.createLogger({ format: 'auto' }).info('piped'))",
      ],
      { encoding: 'utf8', timeout: 30_000 },
    );
    expect(JSON.parse(child.stdout.trim())).toMatchObject({ msg: 'piped' });
    expect(configSchema.parse({}).log.format).toBe('auto');
  });
});
