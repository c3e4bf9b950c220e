import { describe, expect, it } from 'vitest';
import { ConfigError, parseConfig } from '../../src/config/load-config.js';

const parse = (doc: unknown) => parseConfig(doc, 'agent.yaml', '/etc/dynslice');
const keyOf = (doc: unknown): string | null => {
  try {
    parse(doc);
    return null;
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return (error as ConfigError).key;
  }
};

describe('status and webhooks configuration', () => {
  it('runs no status server unless status: is present, and listens on loopback port 9090 by default', () => {
    expect(parse({}).status).toBeUndefined();
    expect(parse({ status: {} }).status).toEqual({ listen: '127.0.0.1:9090' });
    expect(parse({}).webhooks).toEqual([]);
  });

  it('fills in a webhook’s defaults: every event, 5 s timeout, 3 retries', () => {
    expect(parse({ webhooks: [{ url: 'https://hooks.example.test/x' }] }).webhooks).toEqual([
      {
        url: 'https://hooks.example.test/x',
        events: ['drain-started', 'drained', 'released', 'failed', 'forced', 'work-lost'],
        timeoutSeconds: 5,
        retries: 3,
      },
    ]);
  });

  it('names the offending key', () => {
    expect(keyOf({ status: { listen: 'everywhere' } })).toBe('status.listen');
    expect(keyOf({ status: { token: 'short' } })).toBe('status.token');
    expect(keyOf({ status: { port: 9090 } })).toBe('status.port');
    expect(keyOf({ webhooks: [{ url: 'ftp://files.example.test/' }] })).toBe('webhooks[0].url');
    expect(keyOf({ webhooks: [{ url: 'https://h.example.test/', events: ['exploded'] }] })).toBe(
      'webhooks[0].events[0]',
    );
    expect(keyOf({ webhooks: [{ url: 'https://h.example.test/', retries: -1 }] })).toBe('webhooks[0].retries');
  });
});
