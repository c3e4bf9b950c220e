/**
 * The format of the journal's records and of the snapshot. A release reads every format an earlier
 * release wrote and refuses any other: a record it would have to guess at could forget a node.
 * Format 1: the first release's records, which carried no `v` (read as 1), then with `v: 1`.
 * Format 2: adds `life` records (node_ids outside the slice's nodes: left, unknown, parked), the
 * `adopted` flag of node records, and `refused` calls; a format-1 state directory reads as it did.
 * Format 3: a repeated call or reply may lean on the previous one of its method in the same file
 * (call-records.ts); the snapshot keeps the crash search.
 */
export const STATE_FORMAT = 3;

/** Formats this release reads (a later release adds, and keeps reading the older ones). */
const READABLE: ReadonlySet<unknown> = new Set([1, 2, 3]);

/** A state file written in a format this release does not read (a newer release wrote it). */
export class StateFormatError extends Error {
  readonly code = 'STATE_FORMAT';
  constructor(
    readonly file: string,
    readonly line: number,
    readonly format: unknown,
  ) {
    const named =
      typeof format === 'number' && Number.isInteger(format) ? `format ${format}` : `format ${JSON.stringify(format)}`;
    const newer =
      typeof format === 'number' && format > STATE_FORMAT
        ? ', written by a newer dynslice-agent: upgrade this one'
        : ' (unknown)';
    super(
      `${file}:${line}: state ${named} is not one this release reads (it reads ${[...READABLE].join(', ')})${newer}, ` +
        'or move the state directory away to start without it',
    );
    this.name = 'StateFormatError';
  }
}

/** Throws StateFormatError unless `format` (undefined: before formats were written, so 1) is readable. */
export function checkStateFormat(format: unknown, file: string, line: number): void {
  if (!READABLE.has(format === undefined ? 1 : format)) throw new StateFormatError(file, line, format);
}
