import { CliExit, EXIT } from './exit-codes.js';

/**
 * A listen address the operator chose that cannot be used, as an exit-2 message naming its key and
 * the fix; any other error is returned as it is (a defect, reported with its trace).
 */
export function listenError(key: 'endpoint.listen' | 'status.listen', address: string, error: unknown): unknown {
  const { code } = error as NodeJS.ErrnoException;
  const fail = (message: string) => new CliExit(EXIT.config, `${key}: ${address} ${message}`);
  switch (code) {
    case 'EADDRINUSE':
      return fail('is in use by another program: choose another port, or stop the program listening there');
    case 'EACCES':
      return fail(
        'needs privileges this user lacks: use a port of 1024 or above, or give the service ' +
          'AmbientCapabilities=CAP_NET_BIND_SERVICE',
      );
    case 'EADDRNOTAVAIL':
      return fail('is not an address of this machine: use one of its addresses, or 0.0.0.0');
    default:
      return error;
  }
}
