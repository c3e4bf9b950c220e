import { readFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join } from 'node:path';

/** The client key text, given inline or read once from a file; a read that failed is tried again next time. */
export function privateKeySource(options: { privateKey?: string; privateKeyPath?: string }): () => Promise<string> {
  let reading: Promise<string> | undefined;
  return () => {
    if (options.privateKey !== undefined) return Promise.resolve(options.privateKey);
    if (!options.privateKeyPath) return Promise.reject(new Error('privateKey or privateKeyPath is required'));
    reading ??= readFile(expandHome(options.privateKeyPath), 'utf8').catch((err: unknown) => {
      reading = undefined; // a key put in place later is picked up by the next connect
      throw err;
    });
    return reading;
  };
}

export function expandHome(path: string): string {
  return path === '~' || path.startsWith('~/') ? join(homedir(), path.slice(1)) : path;
}
