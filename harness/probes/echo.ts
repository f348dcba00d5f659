/**
 * Parsing of echo server replies: what the application says it saw. Three layouts are read:
 *
 * - `kpc`: our echoserver (clusters/images/echoserver): the echoserver:1.4 layout plus a
 *   `POD VALUES:` section (pod_name, pod_namespace, pod_ip, node_name) and `client_port=`;
 * - `echoserver-1.10`: registry.k8s.io/echoserver:1.10 (`Pod Information:` with
 *   `pod name:<TAB>value`, `Request Information:`, `Request Headers:`, `Request Body:`,
 *   values indented by a tab);
 * - `echoserver-1.4`: the layout shown in the "Using Source IP" tutorial (`CLIENT VALUES:`,
 *   `SERVER VALUES:`, `HEADERS RECEIVED:`, `BODY:`).
 *
 * Never throws: anything that is not such a reply (an HTML error page, a truncated body,
 * binary noise) gives `{ ok: false, error }`. CRLF line ends are accepted.
 */

export type EchoLayout = 'kpc' | 'echoserver-1.10' | 'echoserver-1.4';

export interface EchoPod {
  name?: string;
  namespace?: string;
  ip?: string;
  node?: string;
}

export interface EchoClient {
  /** The source address the server saw (client_address=). */
  address: string;
  /** The source port the server saw (client_port=, our echoserver only). */
  port?: number;
  /** HTTP method (`command=` in 1.4 and ours, `method=` in 1.10). */
  method?: string;
  realPath?: string;
  /** Query string; the `nil` that 1.4-style servers print for "none" becomes ''. */
  query?: string;
  requestVersion?: string;
  requestScheme?: string;
  requestUri?: string;
}

export interface EchoReply {
  layout: EchoLayout;
  hostname?: string;
  /** Present when the server reported its pod (1.10 without the env vars says it has none). */
  pod?: EchoPod;
  client: EchoClient;
  server: { version?: string; address?: string };
  /** Request headers as the server listed them, names lower-cased. */
  headers: Record<string, string>;
  /** The request body the server echoed; undefined for `-no body in request-`. */
  body?: string;
  /** Every key/value as read, per section (canonical section name -> key -> value). */
  sections: Partial<Record<EchoSection, Record<string, string>>>;
}

export type EchoSection = 'pod' | 'client' | 'server' | 'headers' | 'connection';

export type EchoParse = { ok: true; value: EchoReply } | { ok: false; error: string; excerpt: string };

const SECTION_TITLES: Record<string, EchoSection | 'body'> = {
  'pod values': 'pod',
  'pod information': 'pod',
  'client values': 'client',
  'request information': 'client',
  'server values': 'server',
  'headers received': 'headers',
  'request headers': 'headers',
  'connection information': 'connection',
  body: 'body',
  'request body': 'body',
};

const NO_BODY = '-no body in request-';
const NO_POD = '-no pod information available-';

function fail(error: string, text: string): EchoParse {
  return { ok: false, error, excerpt: text.slice(0, 200) };
}

/** Parse an echo server reply body. */
export function parseEcho(input: string | Uint8Array): EchoParse {
  let text: string;
  if (typeof input === 'string') text = input;
  else if (input instanceof Uint8Array) text = new TextDecoder('utf-8').decode(input);
  else return fail(`expected the reply text, got ${input === null ? 'null' : typeof input}`, '');
  text = text.replace(/^\uFEFF/, '').replace(/\r\n?/g, '\n');
  if (text.includes('\0')) return fail('reply contains NUL bytes: not an echoserver text reply', text);

  const sections: Partial<Record<EchoSection, Record<string, string>>> = {};
  const titles: string[] = [];
  let hostname: string | undefined;
  let current: EchoSection | undefined;
  let bodyLines: string[] | undefined;
  let noPod = false;

  for (const line of text.split('\n')) {
    if (bodyLines) {
      bodyLines.push(line);
      continue;
    }
    const trimmed = line.trim();
    if (trimmed === '') continue;
    const title = /^([A-Za-z][A-Za-z ]*[A-Za-z]):$/.exec(trimmed)?.[1]?.toLowerCase();
    const section = title !== undefined ? SECTION_TITLES[title] : undefined;
    if (title !== undefined && section !== undefined) {
      titles.push(title);
      if (section === 'body') bodyLines = [];
      else current = section;
      continue;
    }
    const host = /^Hostname:\s*(.*)$/.exec(trimmed);
    if (host && current === undefined) {
      hostname = host[1];
      continue;
    }
    if (current === undefined) continue;
    if (current === 'pod' && trimmed === NO_POD) {
      noPod = true;
      continue;
    }
    const kv = splitKeyValue(line, current);
    if (!kv) continue;
    const bucket = (sections[current] ??= {});
    bucket[current === 'headers' ? kv[0].toLowerCase() : kv[0]] = kv[1];
  }

  const c = sections.client ?? {};
  const address = c['client_address'];
  if (address === undefined || address === '') {
    return fail(
      titles.length ? `no client_address in the ${titles.join(', ')} section(s)` : 'no echoserver sections (CLIENT VALUES / Request Information) found',
      text,
    );
  }

  const layout: EchoLayout = titles.includes('pod values') || 'client_port' in c
    ? 'kpc'
    : titles.includes('request information')
      ? 'echoserver-1.10'
      : 'echoserver-1.4';

  const client: EchoClient = { address };
  const port = c['client_port'];
  if (port !== undefined && /^\d{1,5}$/.test(port)) client.port = Number(port);
  const method = c['command'] ?? c['method'];
  if (method !== undefined) client.method = method;
  if (c['real path'] !== undefined) client.realPath = c['real path'];
  if (c['query'] !== undefined) client.query = c['query'] === 'nil' ? '' : c['query'];
  if (c['request_version'] !== undefined) client.requestVersion = c['request_version'];
  if (c['request_scheme'] !== undefined) client.requestScheme = c['request_scheme'];
  if (c['request_uri'] !== undefined) client.requestUri = c['request_uri'];

  const reply: EchoReply = { layout, client, server: {}, headers: { ...(sections.headers ?? {}) }, sections };
  if (hostname !== undefined) reply.hostname = hostname;
  const s = sections.server ?? {};
  if (s['server_version'] !== undefined) reply.server.version = s['server_version'];
  if (s['server_address'] !== undefined) reply.server.address = s['server_address'];

  const p = sections.pod;
  if (p && !noPod) {
    const pod: EchoPod = {};
    const name = p['pod_name'] ?? p['pod name'];
    const namespace = p['pod_namespace'] ?? p['pod namespace'];
    const ip = p['pod_ip'] ?? p['pod IP'];
    const node = p['node_name'] ?? p['node name'];
    if (name) pod.name = name;
    if (namespace) pod.namespace = namespace;
    if (ip) pod.ip = ip;
    if (node) pod.node = node;
    reply.pod = pod;
  }

  if (bodyLines) {
    // Servers end the body with one newline of their own; 1.10 indents the marker with a tab.
    const body = bodyLines.join('\n').replace(/\n+$/, '');
    if (body.trim() !== NO_BODY) reply.body = body;
  }
  return { ok: true, value: reply };
}

/**
 * `key=value` (all layouts), or `key:<TAB>value` (1.10's pod section). Keys may contain
 * spaces (`real path`); values keep everything after the first separator.
 */
function splitKeyValue(line: string, section: EchoSection): [string, string] | undefined {
  const s = line.replace(/^\s+/, '');
  const eq = s.indexOf('=');
  if (eq > 0) return [s.slice(0, eq).trim(), s.slice(eq + 1).trim()];
  if (section === 'pod' || section === 'connection') {
    const colon = /^([^:]+):\s*(.*)$/.exec(s);
    if (colon?.[1] && colon[2] !== undefined) return [colon[1].trim(), colon[2].trim()];
  }
  return undefined;
}
