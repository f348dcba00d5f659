/** The docker path of node access: kind nodes are containers on this host (node-access.ts). */
import { readFile } from 'node:fs/promises';
import { setTimeout as delay } from 'node:timers/promises';
import { GenericContainer, Wait, type StartedTestContainer } from 'testcontainers';
import { containerRunning } from '../../clusters/docker.ts';
import { captureEvidence, captureFile, interfaceNames, tcpdumpArgs, type CaptureEvidence, type CaptureRequest, type NodeCapture } from './capture.ts';
import type { NodeAccess, NodeShell } from './node-access.ts';
import { NodeRunner, type Runner } from './runners.ts';
import { TIMEOUTS } from '../timeouts.ts';
import { runLabels } from '../run-id.ts';
import { ensureReaper } from './reaper.ts';

export class DockerNodeAccess implements NodeAccess {
  readonly kind = 'docker' as const;
  readonly description = 'docker exec into the node containers (kind)';

  /** `image`: the tools image the capture container runs. */
  constructor(private readonly image: string) {}

  reachable(node: string): Promise<boolean> {
    return containerRunning(node);
  }

  shell(node: string, ip: string): NodeShell {
    return new NodeRunner(node, ip);
  }

  capture(req: CaptureRequest): Promise<NodeCapture> {
    return DockerCapture.start({ ...req, image: this.image, nodeRunner: new NodeRunner(req.node, '') });
  }

  async close(): Promise<void> {}
}

/** Captures started in this process and not stopped yet (an interrupted case abandons its own). */
const live = new Set<StartedTestContainer>();

/**
 * Removes every capture container this process started and did not stop: called by the case
 * fixture's teardown, which Playwright runs when a case is interrupted (Ctrl-C, SIGTERM, a
 * time-out) while the case's own code, which would stop them, never resumes. Returns how many.
 */
export async function removeAbandonedCaptures(): Promise<number> {
  const left = [...live];
  live.clear();
  await Promise.all(left.map((c) => c.stop({ timeout: 1_000, remove: true }).catch(() => undefined)));
  return left.length;
}

/** tcpdump in a container on a kind node container's network namespace (the docker path). */
export class DockerCapture implements NodeCapture {
  private constructor(
    readonly node: string,
    readonly filter: string,
    readonly file: string,
    private readonly container: StartedTestContainer,
    private readonly ifNames: Map<number, string>,
    private log: string[],
  ) {}

  /** Starts tcpdump on every interface of `node`; resolves once tcpdump is listening. */
  static async start(req: CaptureRequest & { image: string; nodeRunner: Runner }): Promise<DockerCapture> {
    const file = await captureFile(req);
    const ifNames = await interfaceNames(req.nodeRunner);
    const log: string[] = [];
    await ensureReaper();
    const container = await new GenericContainer(req.image)
      .withNetworkMode(`container:${req.node}`)
      .withAddedCapabilities('NET_ADMIN', 'NET_RAW')
      .withBindMounts([{ source: req.dir, target: '/capture', mode: 'rw' }])
      .withLabels(runLabels('capture'))
      .withEntrypoint(['tcpdump'])
      .withCommand(tcpdumpArgs(`/capture/${req.name}.pcap`, req.filter))
      .withWaitStrategy(Wait.forLogMessage(/listening on/))
      .withStartupTimeout(TIMEOUTS.captureReady)
      .withLogConsumer((s) => s.on('data', (d: Buffer) => log.push(d.toString('utf8'))))
      .start();
    live.add(container);
    return new DockerCapture(req.node, req.filter, file, container, ifNames, log);
  }

  /** Stops tcpdump (SIGTERM flushes the file) and decodes what it wrote. */
  async stop(): Promise<CaptureEvidence> {
    await delay(TIMEOUTS.captureSettle);
    live.delete(this.container);
    await this.container.stop({ timeout: 5_000, remove: true });
    const buf = await readFile(this.file).catch(() => Buffer.alloc(0));
    return captureEvidence(this, buf, this.ifNames, this.log.join(''));
  }
}
