/**
 * An implementation under test (a kube-proxy mode, a kube-proxy release, a replacement proxy)
 * is one module in this folder exporting one of these. Code asks it for a fact; nothing
 * outside this folder switches on an implementation's name.
 */
import type { ClusterIpFamily } from '../../clusters/ip-family.ts';
import type { Replacement } from '../../clusters/cluster.ts';
import type { ProxyMode } from '../../clusters/proxy-mode.ts';
import type { Expectation } from '../judge/expectations.ts';
import type { BalancingShape, RulesetEvidence, ServiceSelector } from '../probes/dataplane.ts';
import type { ProxyModeEvidence } from '../probes/node.ts';
import type { Runner } from '../probes/runners.ts';

/** Declared behaviour that expectations depend on. Every fact cites where it is documented. */
export interface Behaviour {
  /** A NodePort answers on the node's own 127.0.0.1. */
  nodePortOnLocalhost: boolean;
  /** A pod reaching itself through its own Service (hairpin) is SNATed to an address of its node. */
  hairpinMasqueraded: boolean;
  /**
   * A pod's connection to an external destination of a Service (LoadBalancer VIP, external IP)
   * with externalTrafficPolicy Cluster is SNATed to an address of the pod's node.
   */
  externalDestinationMasqueradedForClusterPolicy: boolean;
  /**
   * A node's own connection to a LoadBalancer VIP of a Service with externalTrafficPolicy Local
   * goes to the Service's endpoints elsewhere in the cluster when the node has none (it is not
   * subject to the policy); false: it is dropped there.
   */
  nodeTrafficToLocalPolicyVipServed: boolean;
  /**
   * Traffic from outside to a Service with externalTrafficPolicy Cluster is SNATed to the
   * receiving node also when an endpoint on that node answers; false: only traffic forwarded to
   * another node is SNATed, a local endpoint sees the client's IP.
   */
  externalClusterTrafficMasqueradedForLocalEndpoint: boolean;
  /** The health server answers /livez as well as /healthz (false: /healthz only, /livez is 404). */
  healthzServesLivez: boolean;
  /** The health server's /healthz and /livez JSON carries its times in RFC 3339 (else Go's time.String() form). */
  healthzTimesRfc3339: boolean;
}
export type BehaviourFact = keyof Behaviour;

/**
 * A behaviour fact that a kube-proxy release changed: releases before `since` had `before`, the
 * implementation's `behaviour` holds the value from `since` on. A version column
 * (harness/implementations/release.ts) declares the facts of its release, each change with the
 * release that made it and its source (a CHANGELOG entry or PR).
 */
export interface ReleaseChange {
  fact: BehaviourFact;
  /** First release with the current value, `v1.33.0`. */
  since: string;
  before: boolean;
  /** The CHANGELOG entry or PR that changed it. */
  source: string;
}

/** How a kind cluster gets this implementation: kube-proxy in a mode, or a replacement instead. */
export interface KindInstall {
  /** kube-proxy's mode and any KubeProxyConfiguration fields of this implementation; absent with a replacement. */
  kubeProxy?: { mode: ProxyMode; config?: Record<string, unknown> };
  /** A proxy installed in kube-proxy's place (and as the CNI): no kube-proxy runs (clusters/cluster.ts). */
  replacement?: Replacement;
  /**
   * kind's networking.ipFamily (default ipv4). `dual`: nodes, pods and Services get addresses of
   * both families, and the source-IP cases run for IPv4 and IPv6 (docs/dualstack.md).
   */
  ipFamily?: ClusterIpFamily;
}

/** Reads, on one node, which proxy runs there (`reported` is compared with `reportedMode`). */
export interface ProxyIdentity {
  /** For step titles, e.g. `cilium-dbg status -o json in the agent`. */
  what: string;
  read(node: Runner & { node?: string }): Promise<ProxyModeEvidence>;
}

/** How the implementation's dataplane is read for evidence. */
export interface Dataplane {
  /** Name of the dump for step titles, e.g. `iptables-save`. */
  tool: string;
  dump(node: Runner & { node?: string }): Promise<RulesetEvidence>;
  /** The part of a dump that belongs to one Service ('' when nothing matches). */
  serviceRules(dump: string, svc: ServiceSelector): string;
  /** How one ClusterIP spreads over n endpoints, when the implementation has a known shape. */
  balancing?: {
    expected(n: number): string;
    observe(dump: string, svc: ServiceSelector & { vip: string }): BalancingShape;
  };
}

/** A row of a case whose expectation differs for this implementation, and why. */
export interface ExpectationOverride {
  expectation: Expectation;
  /** The doc, KEP or release note that declares the difference. */
  source: string;
}

/**
 * A deviation this suite found on an implementation that the implementation does not document.
 * It is not an expectation: the case stays failed in every report, red, with its evidence. The
 * declaration lets a run tell "the known finding again" from a new deviation (the e2e stage
 * requires exactly the declared rows to fail, test/e2e/findings-check.ts).
 */
export interface Finding {
  caseId: string;
  /** The check rows that fail (Check.key, exact). */
  rows: readonly string[];
  /** One sentence: what a client sees and why. */
  summary: string;
  /** Where the finding is written up, e.g. `docs/cilium.md#what-the-catalogue-found`. */
  doc: string;
}

export interface Implementation {
  /** Stable id, also the default column name, e.g. `iptables`. */
  name: string;
  /** Readable name, e.g. `kube-proxy (iptables mode)`. */
  title: string;
  /**
   * What a node running it reports: `:10249/proxyMode` for kube-proxy, or what `identity` reads;
   * used to recognise it on a cluster and by proxy/mode-matches.
   */
  reportedMode: string;
  /** How a node shows which proxy runs there, when not kube-proxy's `:10249/proxyMode`. */
  identity?: ProxyIdentity;
  install: KindInstall;
  behaviour: Behaviour;
  /** Where each behaviour fact is documented. */
  behaviourSources: Record<BehaviourFact, string>;
  dataplane: Dataplane;
  /** Facts that differ in older kube-proxy releases (version columns), newest change last. */
  releaseChanges?: readonly ReleaseChange[];
  /**
   * The kube-proxy release a version column runs instead of the pinned one (`v1.33.13`); set by
   * implementationAt, absent for the pinned release.
   */
  kubeProxyRelease?: string;
  /**
   * Why this column runs only when named (`--modes NAME`), not in the default set; absent: a
   * default column.
   */
  optIn?: string;
  /** The cases this column runs (ids), when not all: what the column exists to show. */
  cases?: readonly string[];
  /** caseId -> row key -> override. */
  overrides?: Record<string, Record<string, ExpectationOverride>>;
  /** Deviations found here and written up, not declared by the implementation (see Finding). */
  findings?: readonly Finding[];
  /**
   * A negative control: a deliberately broken configuration the suite must catch. The column
   * runs only the `mustFail` cases. `catches` names, per case, the check rows that must turn
   * `mismatch` (substring of the key or `/regex/`) and the deviation; without it any row counts
   * (harness/faults/detection.ts).
   */
  control?: { description: string; mustFail: readonly string[]; catches?: readonly { caseId: string; rows: readonly string[]; deviation: string }[] };
}
