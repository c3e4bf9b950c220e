import { OperatorError, type OperatorErrorCode } from '../config/operator-errors.js';

const LISTEN_ERRORS: Partial<Record<string, [OperatorErrorCode, string]>> = {
  EADDRINUSE: ['DYNSLICE_LISTEN_IN_USE', 'is in use by another program'],
  EACCES: ['DYNSLICE_LISTEN_PRIVILEGED', 'is a privileged port this user may not listen on'],
  EADDRNOTAVAIL: ['DYNSLICE_LISTEN_NOT_LOCAL', 'is not an address of this machine'],
};

/**
 * A listen address the operator chose that cannot be used, as an OperatorError (exit 2) naming its
 * key and the fix; any other error is returned as it is (a defect, reported with its trace).
 */
export function listenError(key: 'endpoint.listen' | 'status.listen', address: string, error: unknown): unknown {
  const known = LISTEN_ERRORS[(error as NodeJS.ErrnoException).code ?? ''];
  return known === undefined ? error : new OperatorError(known[0], key, `${address} ${known[1]}`);
}
