import type { HostKeyDecision } from './host-key-policy.js';
import { type Unreachable, type UnreachableReason, unreachable } from './runner-types.js';

/** ssh2 tags its errors with `level` (where it failed) and socket errors keep their errno `code`. */
interface Ssh2Error extends Error {
  level?: string;
  code?: string;
}

/** Reading the private key or known_hosts failed: nothing about the node. */
const LOCAL_FILE_CODES = new Set(['ENOENT', 'EACCES', 'EISDIR', 'EPERM']);
const NETWORK_CODES = new Set(['ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH', 'ENOTFOUND', 'EAI_AGAIN', 'ECONNRESET']);

export function classifyConnectError(err: unknown, hostKey: HostKeyDecision | undefined): UnreachableReason {
  if (hostKey?.rejected) return hostKey.rejected;
  const e = err as Ssh2Error;
  if (e?.level === 'client-authentication') return 'auth-failed';
  if (e?.level === 'client-timeout') return 'connect-timeout';
  if (e?.code && LOCAL_FILE_CODES.has(e.code)) return 'config';
  if (e?.code === 'ECONNREFUSED') return 'refused';
  if (e?.code && NETWORK_CODES.has(e.code)) return 'network';
  if (e?.name === 'AssertionError' || /privateKey|Cannot parse/i.test(e?.message ?? '')) return 'config';
  return 'network';
}

export function unreachableResult(err: unknown, hostKey: HostKeyDecision | undefined): Unreachable {
  const reason = classifyConnectError(err, hostKey);
  const message = err instanceof Error ? err.message : String(err);
  const detail = hostKey?.rejected ? hostKey.detail : `${reason}: ${message}`;
  return unreachable(reason, detail);
}
