import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { PYTHON } from './python.js';

const SCRIPT = fileURLToPath(new URL('./xmlrpc-call.py', import.meta.url));
const TICKER = fileURLToPath(new URL('./xmlrpc-ticker.py', import.meta.url));

export type PythonOutcome =
  | { result: unknown; fault?: undefined }
  | { fault: { code: number; string: string }; result?: undefined };

export interface PythonCall {
  method: string;
  params?: unknown[];
}

/**
 * Calls the endpoint with Python's xmlrpc.client.ServerProxy, all calls over one proxy; for https,
 * `cafile` is the PEM file that signed the endpoint's certificate. With `tagFloats`, a float is
 * `{$double: value}` both ways (in params and results), so that 2.0 and 2 can be told apart. With
 * `sendAfterMs`, each request goes out that long after its connection is made, as from a loaded machine.
 */
export function callWithPython(
  url: string,
  calls: PythonCall[],
  options: { cafile?: string; tagFloats?: boolean; sendAfterMs?: number } = {},
): Promise<PythonOutcome[]> {
  const { tagFloats, sendAfterMs, ...rest } = options;
  return runPython({
    url,
    calls,
    ...rest,
    ...(tagFloats ? { tag_floats: true } : {}),
    ...(sendAfterMs === undefined ? {} : { send_after_seconds: sendAfterMs / 1000 }),
  });
}

/** Decodes raw methodResponse documents with Python's xmlrpc.client.loads. */
export function decodeWithPython(responses: string[]): Promise<PythonOutcome[]> {
  return runPython({ responses });
}

export type PythonTick = { ms: number } & (PythonOutcome | { error: string; result?: undefined; fault?: undefined });

/** The same call every `everySeconds`, `count` times, each timed by Python (a fresh ServerProxy per call). */
export function tickWithPython(
  url: string,
  call: PythonCall,
  options: { everySeconds: number; count: number },
): Promise<PythonTick[]> {
  return runPython({ url, ...call, ...options }, TICKER);
}

function runPython<T = PythonOutcome[]>(request: unknown, script = SCRIPT): Promise<T> {
  return new Promise((resolve, reject) => {
    const child = spawn(PYTHON, [script], { stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    child.on('error', reject);
    child.on('close', (code) => {
      if (code !== 0) reject(new Error(`python3 exited with ${code}: ${stderr}`));
      else resolve(JSON.parse(stdout) as T);
    });
    child.stdin.end(JSON.stringify(request));
  });
}
