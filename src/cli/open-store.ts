import type { Logger } from 'pino';
import { OperatorError } from '../config/operator-errors.js';
import { Store } from '../store/store.js';
import { CliExit, configExit, EXIT } from './exit-codes.js';

/** Opens the journal; one that cannot be read (or is in use) stops the start with a plain message. */
export async function openStoreOrExit(dir: string, logger: Logger): Promise<Store> {
  try {
    return await Store.open({ dir, logger });
  } catch (error) {
    const code = (error as { code?: string }).code;
    if (code === 'STATE_LOCKED')
      throw configExit(
        new OperatorError('DYNSLICE_STATE_LOCKED', 'state.dir', (error as Error).message, { path: dir }),
      );
    if (code === 'JOURNAL_CORRUPT' || code === 'STATE_FORMAT')
      throw new CliExit(EXIT.failure, (error as Error).message);
    // What preflight found writable and is not (changed since, or a file it does not know): still
    // the operator's to fix, not a defect.
    if (code === 'EACCES' || code === 'EPERM' || code === 'EROFS')
      throw configExit(
        new OperatorError('DYNSLICE_STATE_DIR_NOT_WRITABLE', 'state.dir', (error as Error).message, { path: dir }),
      );
    throw error;
  }
}
