/**
 * Packet capture on a node: tcpdump in the node's network namespace writing a pcap, which ends
 * up in the case's evidence folder on the host. Two ways in (harness/probes/node-access.ts):
 * `DockerCapture` (node-access-docker.ts) runs tcpdump in a throwaway container sharing a kind node container's network
 * (`--network container:<node>`); the pod path runs it in the node's access pod
 * (node-access-pod.ts). Either way the probe returns the file and decoded rows; it never asserts.
 */
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import type { PacketRow } from '../../reports/model.ts';
import { decodeCapture, parseIpLinkNames } from './pcap.ts';
import type { Runner } from './runners.ts';

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

/** ifindex -> name inside the node, so SLL2 rows from `-i any` name their interface. */
export async function interfaceNames(node: Runner): Promise<Map<number, string>> {
  return parseIpLinkNames((await node.run(['ip', '-o', 'link', 'show'], 10_000)).stdout);
}
