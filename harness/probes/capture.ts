/**
 * Packet capture on a node: tcpdump in the node's network namespace writing a pcap, which ends
 * up in the case's evidence folder on the host. Two ways in (harness/probes/node-access.ts):
 * `DockerCapture` runs tcpdump in a throwaway container sharing a kind node container's network
 * (`--network container:<node>`); the pod path runs it in the node's access pod
 * (node-access-pod.ts). Either way the probe returns the file and decoded rows; it never asserts.
 */
import { mkdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { GenericContainer, Wait, type StartedTestContainer } from 'testcontainers';
import type { PacketRow } from '../../reports/model.ts';
import { decodeCapture, parseIpLinkNames } from './pcap.ts';
import type { Runner } from './runners.ts';
import { TIMEOUTS } from '../timeouts.ts';
import { runLabels } from '../run-id.ts';

export interface CaptureEvidence {
  node: string;
  filter: string;
  /** Absolute path of the pcap on the host. */
  file: string;
  packets: PacketRow[];
  /** tcpdump's own closing lines ("N packets captured", "N dropped by kernel"). */
  tcpdumpLog: string;
}

/** A running capture on one node; `stop()` flushes it, brings the pcap home and decodes it. */
export interface NodeCapture {
  readonly node: string;
  readonly filter: string;
  /** Where the pcap is (or will be) on the host. */
  readonly file: string;
  stop(): Promise<CaptureEvidence>;
}

export interface CaptureRequest {
  node: string;
  filter: string;
  /** Evidence folder on the host. */
  dir: string;
  /** File name without `.pcap`. */
  name: string;
}

/**
 * tcpdump's arguments, the same on every path. --immediate-mode: hand each packet over at once
 * (TPACKET_V3 otherwise holds it in a ring block for up to 1 s, and a capture stopped sooner
 * loses it); -U: write each packet as it comes; -Z root: keep file ownership simple.
 */
export function tcpdumpArgs(file: string, filter: string): string[] {
  return ['-i', 'any', '--immediate-mode', '-nn', '-U', '-Z', 'root', '-s', '256', '-w', file, filter];
}

export async function captureFile(req: CaptureRequest): Promise<string> {
  await mkdir(req.dir, { recursive: true });
  return path.join(req.dir, `${req.name}.pcap`);
}

/** Decodes a finished capture into evidence (an empty or missing file is no packets). */
export function captureEvidence(req: { node: string; filter: string; file: string }, pcap: Buffer, ifNames: Map<number, string>, log: string): CaptureEvidence {
  const packets = pcap.length ? decodeCapture(pcap, { ifNames }) : [];
  return { node: req.node, filter: req.filter, file: req.file, packets, tcpdumpLog: log.trim() };
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
    return new DockerCapture(req.node, req.filter, file, container, ifNames, log);
  }

  /** Stops tcpdump (SIGTERM flushes the file) and decodes what it wrote. */
  async stop(): Promise<CaptureEvidence> {
    await this.container.stop({ timeout: 5_000, remove: true });
    const buf = await readFile(this.file).catch(() => Buffer.alloc(0));
    return captureEvidence(this, buf, this.ifNames, this.log.join(''));
  }
}

/** ifindex -> name inside the node, so SLL2 rows from `-i any` name their interface. */
export async function interfaceNames(node: Runner): Promise<Map<number, string>> {
  return parseIpLinkNames((await node.run(['ip', '-o', 'link', 'show'], 10_000)).stdout);
}
