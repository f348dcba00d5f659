/** The docker path of node access: kind nodes are containers on this host (node-access.ts). */
import { containerRunning } from '../../clusters/docker.ts';
import { DockerCapture, type CaptureRequest, type NodeCapture } from './capture.ts';
import type { NodeAccess, NodeShell } from './node-access.ts';
import { NodeRunner } from './runners.ts';

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
