/** A DNS name or an IPv4 address: nothing a shell or an SSH option could read as more. */
export const HOSTNAME =
  /^(?=.{1,253}$)[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)*$/;

/**
 * The host of a node learned from a call, or null when the template needs a field the call
 * lacks or the result is not a plain hostname (ids come from the network).
 */
export function deriveHost(
  template: string | undefined,
  facts: { nodeId: string; clientId: string | null },
): string | null {
  if (!template) return null;
  let missing = false;
  const host = template.replace(/\{(client_id|node_id)\}/g, (_, field: string) => {
    const value = field === 'client_id' ? facts.clientId : facts.nodeId;
    if (!value) missing = true;
    return value ?? '';
  });
  return !missing && HOSTNAME.test(host) ? host : null;
}
