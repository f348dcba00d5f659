/** Version columns: release parsing, the version-skew policy, column specs, the build steps, facts by release. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildCommand, maxMinorsOlder, minorOf, parseRelease, parseReleases, skewProblem } from '../../clusters/kube-proxy-release.ts';
import { releaseSteps } from '../../clusters/build/release-steps.ts';
import { behaviourAt, implementationAt, releaseBefore } from '../../harness/implementations/release.ts';
import { implementationByName } from '../../harness/implementations/index.ts';
import { expectationFor, ANSWERS, REJECTS, type ExpectationTable } from '../../harness/judge/expectations.ts';
import { PROJECTS, projectsFromSpecs, selectedProjects, versionable, withReleases } from '../../harness/run/projects.ts';
import { kindClusterName } from '../../harness/run/provision.ts';
import { cleanupInitContainer, parseVersionOutput } from '../../harness/faults/daemonset.ts';
import { toyProxy } from '../fixtures/implementations/toy-proxy.ts';
import type { Implementation } from '../../harness/implementations/types.ts';

const PINNED = 'v1.34.4';

test('parseRelease: v1.33.13 and 1.33.13; pre-releases and short forms refused with the way to list releases', () => {
  assert.deepEqual(parseRelease('v1.33.13'), { version: 'v1.33.13', major: 1, minor: 33, patch: 13 });
  assert.equal(parseRelease(' 1.31.14 ').version, 'v1.31.14');
  assert.equal(minorOf(parseRelease('v1.32.13')), 'v1.32');
  for (const bad of ['v1.33', 'v1.33.0-rc.1', 'latest', '']) assert.throws(() => parseRelease(bad), /not a Kubernetes release version.*go list -m -versions k8s.io\/kubernetes/);
});

test('skew policy: kube-proxy not newer than the API server, at most three minors older (two before 1.25)', () => {
  const api = parseRelease(PINNED);
  for (const ok of ['v1.34.0', 'v1.34.9', 'v1.33.13', 'v1.32.13', 'v1.31.14']) assert.equal(skewProblem(parseRelease(ok), api), undefined, ok);
  assert.match(skewProblem(parseRelease('v1.35.0'), api) ?? '', /newer than the API server v1.34.4: kube-proxy must not be newer than kube-apiserver/);
  assert.match(skewProblem(parseRelease('v1.30.14'), api) ?? '', /4 minor versions older than the API server v1\.34\.4: at most 3 are supported \(https:\/\/kubernetes\.io\/releases\/version-skew-policy\/#kube-proxy\)/);
  assert.match(skewProblem(parseRelease('v2.34.0'), api) ?? '', /differ in major version/);
  assert.equal(maxMinorsOlder(parseRelease('v1.24.0')), 2);
  assert.match(skewProblem(parseRelease('v1.24.0'), parseRelease('v1.27.0')) ?? '', /at most 2/);
  assert.equal(skewProblem(parseRelease('v1.25.0'), parseRelease('v1.28.0')), undefined);
});

test('parseReleases: a list, de-duplicated; the pinned release, two patches of one minor and skew are refused', () => {
  assert.deepEqual(parseReleases('v1.33.13, 1.32.13,v1.33.13', PINNED).map((r) => r.version), ['v1.33.13', 'v1.32.13']);
  assert.throws(() => parseReleases('v1.34.4', PINNED), /is the pinned release/);
  assert.throws(() => parseReleases('v1.33.13,v1.33.5', PINNED), /same minor/);
  assert.throws(() => parseReleases('v1.30.0', PINNED), /at most 3/);
  assert.throws(() => parseReleases(' , ', PINNED), /no kube-proxy release given/);
  assert.equal(buildCommand(['v1.33.13', 'v1.32.13']), 'npm run images -- --kube-proxy-versions v1.33.13,v1.32.13');
});

test('release steps: one per release, after base-net, pointer output, the release in the script environment', () => {
  const steps = releaseSteps('v1.33.13,v1.32.13', PINNED);
  assert.deepEqual(steps.map((s) => s.name), ['kube-proxy-v1.33.13', 'kube-proxy-v1.32.13']);
  assert.deepEqual(steps[0], {
    name: 'kube-proxy-v1.33.13',
    script: 'img-kube-proxy-release.sh',
    env: { KPC_KUBE_PROXY_VERSION: 'v1.33.13' },
    after: ['img-base-net'],
    inputs: ['clusters/images/kube-proxy'],
    outputs: ['pointer:kube-proxy-releases/v1.33.13.json'],
  });
  assert.throws(() => releaseSteps('v1.35.0', PINNED), /newer than the API server/);
});

test('column specs: NAME@RELEASE is the column NAME@<minor>, with the release implementation; errors are clear', () => {
  const [plain, v133] = projectsFromSpecs(['iptables', 'iptables@v1.33.13'], PROJECTS, PINNED);
  assert.equal(plain?.name, 'iptables');
  assert.equal(v133?.name, 'iptables@v1.33');
  const impl = v133?.implementation as Implementation;
  assert.equal(impl.kubeProxyRelease, 'v1.33.13');
  assert.equal(impl.title, 'kube-proxy (iptables mode), kube-proxy v1.33.13');
  assert.equal(impl.install.kubeProxy?.mode, 'iptables');
  assert.equal(impl.dataplane, implementationByName('iptables').dataplane);
  assert.throws(() => projectsFromSpecs(['iptables-masquerade-all@v1.33.13'], PROJECTS, PINNED), /only a kube-proxy column without a negative control/);
  assert.throws(() => projectsFromSpecs(['iptable@v1.33.13'], PROJECTS, PINNED), /unknown project "iptable"/);
  assert.throws(() => projectsFromSpecs(['nftables@v1.35.1'], PROJECTS, PINNED), /newer than the API server/);
  assert.throws(() => projectsFromSpecs(['nftables@v1.33.13', 'nftables@v1.33.2'], PROJECTS, PINNED), /given twice: nftables@v1.33/);
  assert.deepEqual(versionable(), ['iptables', 'nftables', 'ipvs']);
});

test('the project list: --modes plus --kube-proxy-version gives plain columns, then each release per versionable mode', () => {
  const wanted = withReleases(['iptables', 'nftables', 'iptables-masquerade-all'], ['v1.33.13', 'v1.32.13']);
  assert.deepEqual(wanted, ['iptables', 'nftables', 'iptables-masquerade-all', 'iptables@v1.33.13', 'nftables@v1.33.13', 'iptables@v1.32.13', 'nftables@v1.32.13']);
  assert.deepEqual(
    selectedProjects({ KPC_PROJECTS: wanted.join(',') }).map((p) => p.name),
    ['iptables', 'nftables', 'iptables-masquerade-all', 'iptables@v1.33', 'nftables@v1.33', 'iptables@v1.32', 'nftables@v1.32'],
  );
  assert.deepEqual(withReleases(['nftables@v1.31.14'], ['v1.33.13']), ['nftables@v1.31.14']);
  // The kind cluster of a version column: [a-z0-9-] only.
  const [p] = selectedProjects({ KPC_PROJECTS: 'nftables@v1.32.13' });
  assert.equal(kindClusterName(p!, { KPC_CLUSTER_PREFIX: 'kpc-ver-' }), 'kpc-ver-nftables-v1-32');
});

test('the swap cleans the previous release\'s rules first: kube-proxy --cleanup of the new image, exit status ignored', () => {
  const c = cleanupInitContainer('kpc.local/kube-proxy:v1.32.13-x') as { image: string; command: string[]; securityContext: object; volumeMounts: { name: string }[] };
  assert.equal(c.image, 'kpc.local/kube-proxy:v1.32.13-x');
  assert.match(c.command.join(' '), /kube-proxy --cleanup .*exit 0$/);
  assert.deepEqual(c.securityContext, { privileged: true });
  // The volumes of kubeadm's kube-proxy DaemonSet.
  assert.deepEqual(c.volumeMounts.map((m) => m.name), ['xtables-lock', 'lib-modules']);
});

test('kube-proxy --version output is read back as the release', () => {
  assert.equal(parseVersionOutput('Kubernetes v1.33.13\n'), 'v1.33.13');
  assert.equal(parseVersionOutput('Kubernetes v1.34.4-dirty'), 'v1.34.4-dirty');
  assert.equal(parseVersionOutput('error: unable to upgrade connection'), undefined);
});

/**
 * How a release-dependent expectation is declared: the implementation keeps today's fact and
 * names the release that changed it, with its source; a version column of an older release
 * gets the old value and a source that says which release changed it. (No fact the catalogue
 * observes changed between v1.31 and v1.34: this uses the test fixture's toy proxy.)
 */
const toyWithHistory: Implementation = {
  ...toyProxy,
  releaseChanges: [
    { fact: 'hairpinMasqueraded', since: 'v1.30.0', before: true, source: 'https://example.invalid/CHANGELOG-1.30.md#hairpin' },
    { fact: 'nodePortOnLocalhost', since: 'v1.33.0', before: false, source: 'https://example.invalid/CHANGELOG-1.33.md#localhost' },
    { fact: 'nodePortOnLocalhost', since: 'v1.32.0', before: true, source: 'https://example.invalid/CHANGELOG-1.32.md#localhost' },
  ],
};

test('expectations by release: a changed fact takes its old value before the release that changed it, citing it', () => {
  assert.equal(releaseBefore(parseRelease('v1.32.13'), parseRelease('v1.33.0')), true);
  assert.equal(releaseBefore(parseRelease('v1.33.0'), parseRelease('v1.33.0')), false);
  // Today (and at v1.33.x): the implementation's own facts.
  assert.deepEqual(behaviourAt(toyWithHistory, 'v1.33.13').behaviour, toyProxy.behaviour);
  assert.equal(behaviourAt(toyWithHistory, 'v1.33.0').behaviourSources.nodePortOnLocalhost, toyProxy.behaviourSources.nodePortOnLocalhost);
  // v1.32: changed in v1.33 (true -> false before it).
  const at132 = behaviourAt(toyWithHistory, 'v1.32.13');
  assert.equal(at132.behaviour.nodePortOnLocalhost, false);
  assert.equal(at132.behaviourSources.nodePortOnLocalhost, 'false before v1.33.0, changed in v1.33.0: https://example.invalid/CHANGELOG-1.33.md#localhost');
  // v1.31: before both changes of the fact, the oldest one wins.
  const at131 = behaviourAt(toyWithHistory, 'v1.31.14');
  assert.equal(at131.behaviour.nodePortOnLocalhost, true);
  assert.match(at131.behaviourSources.nodePortOnLocalhost, /changed in v1\.32\.0/);
  assert.equal(at131.behaviour.hairpinMasqueraded, false);
  assert.equal(behaviourAt(toyWithHistory, 'v1.29.9').behaviour.hairpinMasqueraded, true);
  // A row that follows a fact follows the release.
  const table: ExpectationTable<'localhost'> = { rows: { localhost: (b) => (b.nodePortOnLocalhost ? ANSWERS : REJECTS) } };
  assert.equal(expectationFor(table, implementationAt(toyWithHistory, 'v1.32.13'), 'nodeport/localhost', 'localhost'), REJECTS);
  assert.equal(expectationFor(table, implementationAt(toyWithHistory, 'v1.31.14'), 'nodeport/localhost', 'localhost'), ANSWERS);
  assert.equal(implementationAt(toyWithHistory, 'v1.31.14').name, 'toy-proxy@v1.31');
});

test('kube-proxy\'s declared release changes, as measured: nftables dropped a node\'s Local-policy VIP traffic before v1.33.6; health times are RFC 3339 from v1.33.0', () => {
  const nft = implementationByName('nftables');
  const ipt = implementationByName('iptables');
  const at = (i: Implementation, v: string) => implementationAt(i, v);
  // The pinned release and v1.33.13: today's facts.
  for (const v of ['v1.33.13', 'v1.33.6']) assert.deepEqual(at(nft, v).behaviour, nft.behaviour, v);
  // v1.32.13 (nftables@v1.32 measured: node without endpoint -> LB VIP (Local) dropped; healthz times in Go's form).
  const nft132 = at(nft, 'v1.32.13');
  assert.equal(nft132.behaviour.nodeTrafficToLocalPolicyVipServed, false);
  assert.match(nft132.behaviourSources.nodeTrafficToLocalPolicyVipServed, /^false before v1\.33\.6, changed in v1\.33\.6: https:\/\/github\.com\/kubernetes\/kubernetes\/pull\/133969/);
  assert.equal(nft132.behaviour.healthzTimesRfc3339, false);
  assert.equal(at(nft, 'v1.33.5').behaviour.nodeTrafficToLocalPolicyVipServed, false);
  assert.equal(at(nft, 'v1.33.5').behaviour.healthzTimesRfc3339, true);
  // iptables always short-circuited a node's own VIP traffic; only the health times changed.
  const ipt131 = at(ipt, 'v1.31.14');
  assert.equal(ipt131.behaviour.nodeTrafficToLocalPolicyVipServed, true);
  assert.equal(ipt131.behaviour.healthzTimesRfc3339, false);
  assert.match(ipt131.behaviourSources.healthzTimesRfc3339, /changed in v1\.33\.0: https:\/\/github\.com\/kubernetes\/kubernetes\/pull\/129271/);
  // Every other fact the catalogue observes is the same in every release within the skew policy.
  for (const name of versionable()) {
    const impl = implementationByName(name);
    const { nodeTrafficToLocalPolicyVipServed: _a, healthzTimesRfc3339: _b, ...rest } = implementationAt(impl, 'v1.31.14').behaviour;
    const { nodeTrafficToLocalPolicyVipServed: _c, healthzTimesRfc3339: _d, ...now } = impl.behaviour;
    assert.deepEqual(rest, now, name);
  }
});

test('npm run conformance -- --kube-proxy-version: skew, an unbuilt release and --kubeconfig are refused with exit 2 before anything is created', async (t) => {
  const { execa } = await import('execa');
  const { mkdtemp, rm } = await import('node:fs/promises');
  const os = await import('node:os');
  const path = await import('node:path');
  const dir = await mkdtemp(path.join(os.tmpdir(), 'kpc-ver-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  // An empty cache: no release is built there.
  const env = { KPC_REPORT_DIR: path.join(dir, 'report'), KPC_CACHE: path.join(dir, 'cache') };
  const run = (...args: string[]) => execa('npx', ['tsx', 'harness/cli/conformance.ts', ...args], { reject: false, env });
  const [newer, unbuilt, existing, badSpec] = await Promise.all([
    run('--modes', 'iptables', '--kube-proxy-version', 'v1.35.0'),
    run('--modes', 'iptables,nftables', '--kube-proxy-version', 'v1.33.13,v1.32.13'),
    run('--kubeconfig', path.join(dir, 'kc'), '--kube-proxy-version', 'v1.33.13'),
    run('--modes', 'iptables-masquerade-all@v1.33.13'),
  ]);
  for (const r of [newer, unbuilt, existing, badSpec]) assert.equal(r.exitCode, 2, r.stderr);
  assert.match(newer.stderr, /^conformance: --kube-proxy-version: kube-proxy v1\.35\.0 is newer than the API server v1\.34\.4/);
  assert.match(unbuilt.stderr, /^conformance: kube-proxy v1\.33\.13, v1\.32\.13 are not built yet: run npm run images -- --kube-proxy-versions v1\.33\.13,v1\.32\.13/);
  assert.match(existing.stderr, /cannot be combined with --kubeconfig/);
  assert.match(badSpec.stderr, /only a kube-proxy column without a negative control has version columns/);
});

test('results record the kube-proxy version per column; the report and JUnit show it', async () => {
  const { buildResults } = await import('../../harness/run/results.ts');
  const { renderHtml } = await import('../../reports/html.ts');
  const { renderJunit } = await import('../../reports/junit.ts');
  const { validateResults } = await import('../../reports/validate.ts');
  const specs = selectedProjects({ KPC_PROJECTS: 'iptables,iptables@v1.33.13' });
  const base = { title: 'nodeport/fixed-port', pwStatus: 'passed' as const, expectedStatus: 'passed' as const, durationMs: 1, attempts: 1 };
  const r = buildResults({
    tests: [{ ...base, project: 'iptables' }, { ...base, project: 'iptables@v1.33' }],
    specs,
    runtimes: [
      { project: 'iptables', kubernetesVersion: 'v1.34.4', kubeProxyVersion: 'v1.34.4' },
      { project: 'iptables@v1.33', kubernetesVersion: 'v1.34.4', kubeProxyVersion: 'v1.33.13' },
    ],
    startedAt: new Date(0),
    durationMs: 5,
    command: 'npm run conformance -- --modes iptables --kube-proxy-version v1.33.13',
    toolVersion: '0.1.0',
  });
  assert.deepEqual(r.projects.map((p) => [p.name, p.kubeProxyVersion, p.kubeProxyRelease]), [['iptables', 'v1.34.4', undefined], ['iptables@v1.33', 'v1.33.13', 'v1.33.13']]);
  assert.equal(r.projects[1]?.implementation, 'kube-proxy (iptables mode), kube-proxy v1.33.13');
  const v = validateResults(r);
  assert.ok(v.ok, JSON.stringify(v));
  const html = renderHtml(r);
  assert.match(html, /<span class="col-name">iptables@v1\.33<\/span>.*?<span class="col-sub kube-proxy-version release">kube-proxy v1\.33\.13<\/span>/s);
  assert.match(html, /<span class="col-sub kube-proxy-version">kube-proxy v1\.34\.4<\/span>/);
  assert.match(renderJunit(r), /<property name="kubeProxyRelease" value="v1\.33\.13"/);
});
