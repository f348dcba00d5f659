/**
 * Places a probe can run a command from. Each has one interface so probes don't care where
 * they run: a pod (exec through the API), a node container (docker exec), the outside client.
 */
import { dockerExec } from '../../clusters/docker.ts';
import { addressOf, type IpFamily } from '../../clusters/ip-family.ts';
import type { StartedTestContainer } from 'testcontainers';
import type { ExecResult, Kube } from './kube.ts';

export interface Runner {
  /** Readable name used in evidence, e.g. `pod client-kpc-worker (10.244.1.5)`. */
  readonly label: string;
  /** The address this runner's traffic leaves with, when known. */
  readonly ip?: string;
  /** The node the runner sits on, when it is in the cluster. */
  readonly node?: string;
  /** Every address this runner has (one per family on a dual-stack cluster), when known; `ip` is one of them. */
  readonly ips?: readonly string[];
  run(cmd: string[], timeoutMs: number): Promise<ExecResult>;
}

export class PodRunner implements Runner {
  readonly label: string;
  constructor(
    private readonly kube: Kube,
    readonly ns: string,
    readonly pod: string,
    readonly container: string,
    readonly ip: string,
    readonly node: string,
    readonly ips: readonly string[] = [ip],
  ) {
    this.label = `pod ${pod} on ${node} (${ip})`;
  }
  run(cmd: string[], timeoutMs: number): Promise<ExecResult> {
    return this.kube.exec(this.ns, this.pod, this.container, cmd, timeoutMs);
  }
}

/** A kind node is a Docker container named after the node. */
export class NodeRunner implements Runner {
  readonly label: string;
  constructor(
    readonly node: string,
    readonly ip: string,
  ) {
    this.label = `node ${node} (${ip})`;
  }
  async run(cmd: string[], timeoutMs: number): Promise<ExecResult> {
    return dockerExec(this.node, cmd, timeoutMs);
  }
}

export class ContainerRunner implements Runner {
  constructor(
    readonly label: string,
    readonly ip: string,
    private readonly container: StartedTestContainer,
    readonly ips: readonly string[] = [ip],
  ) {}
  async run(cmd: string[], timeoutMs: number): Promise<ExecResult> {
    const start = Date.now();
    const r = await withTimeout(this.container.exec(cmd), timeoutMs, `${this.label}: ${cmd.join(' ')}`);
    return { stdout: r.stdout, stderr: r.stderr, exitCode: r.exitCode, durationMs: Date.now() - start };
  }
}

/**
 * The same runner seen through its address of `family` (its `ip` is that address): what an
 * endpoint must see as the client's own IP when the runner talks to an address of that family.
 * The runner itself is unchanged when `ip` already is of that family; throws when it has none.
 */
export function asFamily<R extends Runner>(r: R, family: IpFamily): Runner {
  const ip = addressOf(r.ips ?? (r.ip ? [r.ip] : []), family);
  if (!ip) throw new Error(`${r.label} has no ${family} address (addresses: ${(r.ips ?? [r.ip ?? '']).join(', ') || 'none'})`);
  if (ip === r.ip) return r;
  return { label: `${r.label} as ${ip}`, ip, ...(r.node ? { node: r.node } : {}), ips: r.ips ?? [], run: (cmd, timeoutMs) => r.run(cmd, timeoutMs) };
}

async function withTimeout<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let t: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([
      p,
      new Promise<never>((_, reject) => {
        t = setTimeout(() => reject(new Error(`timed out after ${ms} ms: ${what}`)), ms);
      }),
    ]);
  } finally {
    if (t) clearTimeout(t);
  }
}
