import { CliExit, EXIT } from './exit-codes.js';

/** The environment variable `status` reads the status server's token from (never a flag: ps shows flags). */
export const STATUS_TOKEN_ENV = 'DYNSLICE_STATUS_TOKEN';

/**
 * GET `path` of the status server; a server out of reach, wanting a token or failing ends the command with a message.
 */
export async function statusRequest(
  base: string,
  path: string,
  token: string | undefined,
  signal: AbortSignal,
): Promise<Response> {
  const url = `${base.replace(/\/+$/, '')}${path}`;
  let response: Response;
  try {
    response = await fetch(url, { headers: token ? { Authorization: `Bearer ${token}` } : {}, signal });
  } catch (error) {
    const cause = (error as { cause?: { code?: string } }).cause?.code ?? (error as Error).message;
    throw new CliExit(
      EXIT.failure,
      `cannot reach the status server at ${base} (${cause}): it runs only when the agent's configuration ` +
        'has a status: section; status -c FILE finds it there',
    );
  }
  if (response.status === 401) {
    throw new CliExit(EXIT.failure, `the status server at ${base} wants a token: set ${STATUS_TOKEN_ENV}`);
  }
  if (!response.ok) throw new CliExit(EXIT.failure, `the status server at ${base} answered HTTP ${response.status}`);
  return response;
}
