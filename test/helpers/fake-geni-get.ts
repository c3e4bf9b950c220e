import { chmod, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

/** What CloudLab's `geni-get` answers on a node, for the commands the agent and init ask. */
export interface GeniGetAnswers {
  manifestFile: string;
  clientId: string;
  sliceUrn: string;
  /** `geni-get param NAME`: the profile's parameters (an unknown one prints nothing, status 0). */
  params?: Record<string, string>;
}

/**
 * Writes an executable `geni-get` into `binDir` (put it first on PATH): `manifest` prints the
 * file, `client_id` and `slice_urn` their answers; any other command fails as the real one does.
 */
export async function writeFakeGeniGet(binDir: string, answers: GeniGetAnswers): Promise<string> {
  const path = join(binDir, 'geni-get');
  await writeFile(
    path,
    `#!/bin/sh
case "$1" in
  manifest) exec cat '${answers.manifestFile}' ;;
  client_id) echo '${answers.clientId}' ;;
  slice_urn) echo '${answers.sliceUrn}' ;;
  param) case "$2" in
${Object.entries(answers.params ?? {})
  .map(([name, value]) => `    '${name}') echo '${value}' ;;`)
  .join('\n')}
    *) ;;
  esac ;;
  *) echo "geni-get: unknown command $1" >&2; exit 1 ;;
esac
`,
  );
  await chmod(path, 0o755);
  return path;
}
