import { readFile, writeFile } from 'node:fs/promises';
import { TOKEN_PATTERN } from '../config/endpoint-schema.js';
import { generateToken } from './token-path.js';

/** Writes a fresh token to a new file (mode 0600); an existing file is never overwritten (EEXIST). */
export async function writeNewTokenFile(file: string): Promise<string> {
  const token = generateToken();
  await writeFile(file, `${token}\n`, { mode: 0o600, flag: 'wx' });
  return token;
}

/** The token in `file` when it holds a usable one (a re-run keeps a registered URL valid); else null. */
export async function readTokenFile(file: string): Promise<string | null> {
  try {
    const token = (await readFile(file, 'utf8')).split(/\r?\n/, 1)[0]?.trim() ?? '';
    return TOKEN_PATTERN.test(token) ? token : null;
  } catch {
    return null;
  }
}
