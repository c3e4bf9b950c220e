import { existsSync } from 'node:fs';

/**
 * The system's Python 3 for callers, oracles and test jobs. A version manager's shim in PATH
 * (pyenv's) costs seconds per start on a loaded machine; Debian's interpreter starts at once.
 */
export const PYTHON = existsSync('/usr/bin/python3') ? '/usr/bin/python3' : 'python3';
