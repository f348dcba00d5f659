/**
 * Role names for check keys: rows name what a node or client is for the case ("the endpoint
 * node", "a node without endpoint"), never its host name, so the same row lines up across
 * columns and clusters. Host names go into the evidence and the observed text.
 */
export type NodeRole = 'endpoint node' | 'node without endpoint';

export function nodeRole(node: string, endpointNodes: ReadonlySet<string> | readonly string[]): NodeRole {
  const has = Array.isArray(endpointNodes) ? endpointNodes.includes(node) : (endpointNodes as ReadonlySet<string>).has(node);
  return has ? 'endpoint node' : 'node without endpoint';
}

/** `pod on the endpoint node`, `pod on a node without endpoint`. */
export function podRole(node: string, endpointNodes: ReadonlySet<string> | readonly string[]): string {
  return nodeRole(node, endpointNodes) === 'endpoint node' ? 'pod on the endpoint node' : 'pod on a node without endpoint';
}
