/**
 * Packet capture on a node: tcpdump in a throwaway container that shares the node container's
 * network namespace (testcontainers, `--network container:<node>`), writing a pcap into a host
 * folder. The probe returns the file and decoded rows; it never asserts.
 */
import { mkdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { GenericContainer, Wait, type StartedTestContainer } from 'testcontainers';
import type { PacketRow } from '../../reports/model.ts';
import { decodeCapture, parseIpLinkNames } from './pcap.ts';
import { dockerExec } from '../../clusters/docker.ts';
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

export class Capture {
  private constructor(
    readonly node: string,
    readonly filter: string,
    readonly file: string,
    private readonly container: StartedTestContainer,
    private readonly ifNames: Map<number, string>,
    private log: string[],
  ) {}

  /** Starts tcpdump on every interface of `node`; resolves once tcpdump is listening. */
  static async start(opts: { node: string; filter: string; dir: string; name: string; image: string }): Promise<Capture> {
    await mkdir(opts.dir, { recursive: true });
    const file = path.join(opts.dir, `${opts.name}.pcap`);
    const ifNames = await interfaceNames(opts.node);
    const log: string[] = [];
    const container = await new GenericContainer(opts.image)
      .withNetworkMode(`container:${opts.node}`)
      .withAddedCapabilities('NET_ADMIN', 'NET_RAW')
      .withBindMounts([{ source: opts.dir, target: '/capture', mode: 'rw' }])
      .withLabels(runLabels('capture'))
      .withEntrypoint(['tcpdump'])
      // --immediate-mode: hand each packet over at once (TPACKET_V3 otherwise holds it in a ring block for up to 1 s,
      // and a capture stopped sooner loses it); -U: write each packet as it comes; -Z root: keep file ownership simple.
      .withCommand(['-i', 'any', '--immediate-mode', '-nn', '-U', '-Z', 'root', '-s', '256', '-w', `/capture/${opts.name}.pcap`, opts.filter])
      .withWaitStrategy(Wait.forLogMessage(/listening on/))
      .withStartupTimeout(TIMEOUTS.captureReady)
      .withLogConsumer((s) => s.on('data', (d: Buffer) => log.push(d.toString('utf8'))))
      .start();
    return new Capture(opts.node, opts.filter, file, container, ifNames, log);
  }

  /** Stops tcpdump (SIGTERM flushes the file) and decodes what it wrote. */
  async stop(): Promise<CaptureEvidence> {
    await this.container.stop({ timeout: 5_000, remove: true });
    const buf = await readFile(this.file).catch(() => Buffer.alloc(0));
    const packets = buf.length ? decodeCapture(buf, { ifNames: this.ifNames }) : [];
    return { node: this.node, filter: this.filter, file: this.file, packets, tcpdumpLog: this.log.join('').trim() };
  }
}

/** ifindex -> name inside the node, so SLL2 rows from `-i any` name their interface. */
export async function interfaceNames(node: string): Promise<Map<number, string>> {
  return parseIpLinkNames((await dockerExec(node, ['ip', '-o', 'link', 'show'], 10_000)).stdout);
}
