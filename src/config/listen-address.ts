/** Parses `host:port` or `[v6]:port`; port 0 asks the system for a free one. */
export function parseListenAddress(value: string): { host: string; port: number } {
  const match = /^(?:\[([^\]]+)\]|([^:]*)):(\d{1,5})$/.exec(value.trim());
  const port = match ? Number(match[3]) : NaN;
  if (!match || port > 65535) throw new Error(`expected host:port, got "${value}"`);
  return { host: match[1] ?? match[2] ?? '', port };
}
