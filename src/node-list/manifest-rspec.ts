import { SaxesParser, type SaxesTagNS } from 'saxes';

/** The RSpec namespaces whose manifests the agent reads: GENI v3, and ProtoGENI v2 before it. */
export const RSPEC_NAMESPACES: ReadonlySet<string> = new Set([
  'http://www.geni.net/resources/rspec/3',
  'http://www.protogeni.net/resources/rspec/2',
]);

/** One `<services><login …/>` of a node. */
export interface ManifestLogin {
  authentication: string | null;
  hostname: string | null;
  port: number | null;
  username: string | null;
}

/** What a manifest says of one `<node>`; elements of other namespaces (extensions) are not read. */
export interface ManifestNode {
  clientId: string | null;
  componentId: string | null;
  /** The aggregate that holds the node, e.g. `urn:publicid:IDN+utah.cloudlab.us+authority+cm`. */
  componentManagerId: string | null;
  /** `<host name>`: the node's name on the control network. */
  hostName: string | null;
  logins: ManifestLogin[];
  /** Line of the `<node>` start tag, for messages. */
  line: number;
}

/**
 * A manifest that cannot be used: `source` names the file or command, `line` where it went wrong;
 * `unreadable` when there was no text to parse (the file or the command failed).
 */
export class ManifestError extends Error {
  readonly code = 'MANIFEST_INVALID';
  constructor(
    readonly source: string,
    readonly line: number | null,
    readonly detail: string,
    readonly unreadable = false,
  ) {
    super(`${source}${line === null ? '' : `:${line}`}: ${detail}`);
    this.name = 'ManifestError';
  }
}

const attribute = (tag: SaxesTagNS, name: string): string | null => {
  // Unprefixed attributes have no namespace; a prefixed one of the same local name belongs to an extension.
  const found = tag.attributes[name];
  return found === undefined || found.uri !== '' ? null : found.value.trim() || null;
};

/**
 * Reads a manifest RSpec with a real XML parser (namespaces resolved, line numbers kept): the
 * `<node>` children of the `<rspec>` root, with their `<host>` and `<services><login>` elements.
 * Throws ManifestError naming `source` and the line for text that is not well-formed XML, for a
 * root that is not an RSpec, and for an RSpec that is not a manifest (a request RSpec has no logins).
 */
export function parseManifest(text: string, source: string): ManifestNode[] {
  const reader = manifestReader(source);
  reader.write(text);
  return reader.finish();
}

/** Characters parsed between two turns of the event loop (a manifest of 10,000 nodes is ~5 MB). */
const SLICE_CHARS = 64 * 1024;

/** parseManifest a slice of the text at a time, so that calls are answered while a large manifest is read. */
export async function parseManifestInSlices(text: string, source: string): Promise<ManifestNode[]> {
  const reader = manifestReader(source);
  for (let at = 0; at < text.length; at += SLICE_CHARS) {
    reader.write(text.slice(at, at + SLICE_CHARS));
    await new Promise((resolve) => setImmediate(resolve));
  }
  return reader.finish();
}

function manifestReader(source: string): { write(chunk: string): void; finish(): ManifestNode[] } {
  const parser = new SaxesParser({ xmlns: true, position: true });
  const nodes: ManifestNode[] = [];
  /** The open elements, outermost first: whether each is an RSpec element (null: another namespace). */
  const open: (string | null)[] = [];
  let node: ManifestNode | null = null;
  let rspecUri: string | null = null;
  /** Where the start tag being read began (saxes reports the opentag event at its end). */
  let tagLine = 1;
  const fail = (detail: string): never => {
    throw new ManifestError(source, tagLine, detail);
  };
  parser.on('opentagstart', () => (tagLine = parser.line));
  parser.on('opentag', (tag) => {
    if (open.length === 0) {
      open.push('rspec');
      if (tag.local !== 'rspec' || !RSPEC_NAMESPACES.has(tag.uri)) {
        fail(
          `not a manifest RSpec: the root element is <${tag.name}> in namespace "${tag.uri}" (expected <rspec> ` +
            `of GENI v3 or ProtoGENI v2)`,
        );
      }
      rspecUri = tag.uri;
      const type = attribute(tag, 'type');
      if (type !== null && type !== 'manifest')
        fail(`a ${type} RSpec, not a manifest (download the manifest of the running experiment)`);
      return;
    }
    const inRspec = tag.uri === rspecUri;
    const path = open.join('/');
    open.push(inRspec ? tag.local : null);
    if (!inRspec) return;
    if (path === 'rspec' && tag.local === 'node') {
      node = {
        clientId: attribute(tag, 'client_id'),
        componentId: attribute(tag, 'component_id'),
        componentManagerId: attribute(tag, 'component_manager_id'),
        hostName: null,
        logins: [],
        line: tagLine,
      };
      nodes.push(node);
    } else if (node && path === 'rspec/node' && tag.local === 'host') {
      node.hostName ??= attribute(tag, 'name');
    } else if (node && path === 'rspec/node/services' && tag.local === 'login') {
      node.logins.push(loginOf(tag, fail));
    }
  });
  parser.on('closetag', () => {
    if (open.pop() === 'node' && open.length === 1) node = null;
  });
  /** Runs the parser, turning its well-formedness errors into ManifestErrors. */
  const parse = (step: () => void): void => {
    try {
      step();
    } catch (error) {
      if (error instanceof ManifestError) throw error;
      // saxes reports "line:column: message" at its first well-formedness error.
      const message = String(error instanceof Error ? error.message : error).split('\n')[0] ?? '';
      const at = /^(\d+):(\d+): (.*)$/.exec(message);
      throw new ManifestError(source, at ? Number(at[1]) : null, `not well-formed XML: ${at ? at[3] : message}`);
    }
  };
  return {
    write: (chunk) => parse(() => parser.write(chunk)),
    finish() {
      parse(() => parser.close());
      if (rspecUri === null) throw new ManifestError(source, null, 'empty: no <rspec> element');
      return nodes;
    },
  };
}

function loginOf(tag: SaxesTagNS, fail: (detail: string) => never): ManifestLogin {
  const portText = attribute(tag, 'port');
  const port = portText === null ? null : Number(portText);
  if (port !== null && !(Number.isInteger(port) && port >= 1 && port <= 65535))
    fail(`<login port="${portText}">: not a TCP port`);
  return {
    authentication: attribute(tag, 'authentication'),
    hostname: attribute(tag, 'hostname'),
    port,
    username: attribute(tag, 'username'),
  };
}
