/**
 * The build steps of `npm run images`, in order, as data. Each step is one script in
 * clusters/build/. Its cache key covers versions.json, the script, every helper it sources,
 * its `inputs`, and the keys of the steps it runs `after`; a warm run skips a step whose key is
 * unchanged and whose `outputs` still exist. Scripts themselves write to temporary paths and
 * rename on success, so a failed step never leaves outputs a warm run would trust.
 *
 * The node image step (node-image.sh, which runs node-rootfs.sh itself) comes last: it bakes
 * every image marked `node: true` in images.json from its tar.
 */
export interface BuildStep {
  name: string;
  /** File in clusters/build/. */
  script: string;
  /** Steps whose outputs this one uses (their keys are part of this one's key). */
  after?: string[];
  /** Extra repo paths (files or directories, relative to the repo root) hashed into the key. */
  inputs?: string[];
  /**
   * What must still exist for a cached step to count as done: cache paths (relative to
   * $KPC_CACHE; `{.a.b}` is replaced by that field of versions.json), or `image:<id>` for an
   * images.json entry (its docker image and its tar), or `pointer:<file>` for a JSON file in
   * the cache whose `image` field names a docker image that must exist (and `complete` is not false).
   */
  outputs?: string[];
  /** Absent script: skip with a note instead of failing (steps another helper delivers). */
  optional?: boolean;
  /** Environment the script gets besides the CLI's (which fault, which release). */
  env?: Record<string, string>;
}

const GO_STEPS: BuildStep[] = [
  { name: 'kubernetes', script: 'go-kubernetes.sh', outputs: ['bin/kubernetes-{.kubernetes}/.done'] },
  { name: 'etcd', script: 'go-etcd.sh', outputs: ['bin/etcd-{.etcd.version}/.done'] },
  { name: 'coredns', script: 'go-coredns.sh', outputs: ['bin/coredns-{.coredns.version}/.done'] },
  { name: 'crictl', script: 'go-crictl.sh', outputs: ['bin/crictl-{.crictl.version}/.done'] },
  { name: 'local-path', script: 'go-local-path.sh', outputs: ['bin/local-path-provisioner-{.localPathProvisioner.version}/.done'] },
  { name: 'metallb', script: 'go-metallb.sh', outputs: ['bin/metallb-{.metallb.version}/.done'] },
  { name: 'kpc-programs', script: 'go-kpc.sh', inputs: ['clusters/images'] },
  { name: 'containerd', script: 'go-containerd.sh', optional: true, outputs: ['bin/containerd-{.containerd.version}/.done'] },
  { name: 'kind', script: 'go-kind.sh', optional: true, outputs: ['bin/kind-{.kind}/.done'] },
];

const ids = (...i: string[]) => i.map((id) => `image:${id}`);

const IMAGE_STEPS: BuildStep[] = [
  { name: 'img-base', script: 'img-base.sh', inputs: ['clusters/images.json'], outputs: ids('base') },
  { name: 'img-base-net', script: 'img-base-net.sh', after: ['img-base'], inputs: ['clusters/images.json', 'clusters/images/base-net'], outputs: ids('base-net') },
  {
    name: 'img-control-plane',
    script: 'img-control-plane.sh',
    after: ['kubernetes', 'etcd', 'coredns', 'kpc-programs', 'img-base', 'img-base-net'],
    inputs: ['clusters/images.json', 'clusters/images/control-plane', 'clusters/images/kube-proxy', 'clusters/images/etcd', 'clusters/images/coredns', 'clusters/images/pause'],
    outputs: ids('kube-apiserver', 'kube-controller-manager', 'kube-scheduler', 'kube-proxy', 'etcd', 'coredns', 'pause'),
  },
  {
    name: 'img-addons',
    script: 'img-addons.sh',
    after: ['local-path', 'metallb', 'kpc-programs', 'img-base', 'img-base-net'],
    inputs: ['clusters/images.json', 'clusters/images/kindnetd', 'clusters/images/local-path', 'clusters/images/metallb'],
    outputs: ids('kindnetd', 'local-path-provisioner', 'local-path-helper', 'metallb-controller', 'metallb-speaker'),
  },
  {
    name: 'img-workloads',
    script: 'img-workloads.sh',
    after: ['kpc-programs', 'img-base', 'img-base-net'],
    inputs: ['clusters/images.json', 'clusters/images/nginx', 'clusters/images/echoserver', 'clusters/images/kuard', 'clusters/images/curl', 'clusters/images/tools', 'clusters/images/ryuk'],
    outputs: ids('nginx', 'echoserver', 'kuard', 'curl', 'tools', 'ryuk'),
  },
];

const NODE_STEPS: BuildStep[] = [
  {
    name: 'node-image',
    script: 'node-image.sh',
    optional: true,
    after: ['kubernetes', 'containerd', 'crictl', 'img-control-plane', 'img-addons', 'img-workloads'],
    inputs: ['clusters/images.json', 'clusters/node', 'clusters/build/node-rootfs.sh', 'clusters/docker-shim'],
    outputs: ['pointer:node/image.json'],
  },
];

/** Every step, in run order. */
export const BUILD_STEPS: BuildStep[] = [...GO_STEPS, ...IMAGE_STEPS, ...NODE_STEPS];
