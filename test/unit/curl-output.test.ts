import { test } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { execa } from 'execa';
import { tempDir } from './tmp.ts';
import { curl, curlSeries, curlSeriesScript, parseCurlOutput, parseCurlSeries } from '../../harness/probes/curl.ts';
import type { Runner } from '../../harness/probes/runners.ts';

test('parseCurlOutput splits body and trailer', () => {
  const r = parseCurlOutput('hello\nworld\n\n__KPC_CURL__200|10.244.1.3|41234|10.96.12.7|80');
  assert.equal(r.body, 'hello\nworld\n');
  assert.equal(r.httpCode, 200);
  assert.equal(r.localIp, '10.244.1.3');
  assert.equal(r.remotePort, 80);
});

test('parseCurlOutput on a failed connection has no http code', () => {
  const r = parseCurlOutput('\n__KPC_CURL__000||0||0');
  assert.equal(r.body, '');
  assert.equal(r.httpCode, undefined);
  assert.equal(r.localIp, undefined);
});

test('parseCurlOutput without the trailer keeps everything as body', () => {
  assert.equal(parseCurlOutput('OCI runtime exec failed').body, 'OCI runtime exec failed');
});

const fixture = (name: string) => readFileSync(new URL(`../fixtures/curl/${name}`, import.meta.url), 'utf8');
const base = { from: 'pod c', fromIp: '10.244.2.110', url: 'u', args: [] };

// Captured on this machine: curlSeriesScript run in a client pod (two HTTPS requests to the API
// server's /version, then one to 127.0.0.1:1) and on a kind node (docker exec).
test('parseCurlSeries: one evidence per attempt from a client pod, bodies, trailers, stderr and the runner clock', () => {
  const got = parseCurlSeries(fixture('series-pod.txt'), base, 1, 2);
  assert.equal(got.length, 3);
  const [a, b, c] = got;
  assert.equal(a?.httpCode, 200);
  assert.match(a?.body ?? '', /"gitVersion": "v1\.34\.4"/);
  assert.ok(!a?.body.includes('__KPC'), 'no marker left in the body');
  assert.equal(a?.localIp, '10.244.2.110');
  assert.equal(a?.remotePort, 443);
  assert.equal(a?.exitCode, 0);
  assert.ok((a?.startedAt ?? 0) > 1_700_000_000_000 && (a?.endedAt ?? 0) >= (a?.startedAt ?? 0), 'times in ms from date +%s%N');
  assert.ok((b?.startedAt ?? 0) >= (a?.endedAt ?? 0), 'attempts are sequential');
  assert.equal(c?.exitCode, 7);
  assert.match(c?.exit ?? '', /^7 COULDNT_CONNECT/);
  assert.match(c?.stderr ?? '', /^curl: \(7\) Failed to connect to 127\.0\.0\.1 port 1/);
  assert.equal(c?.httpCode, undefined);
  assert.equal(c?.body, '');
});

test('parseCurlSeries: a node runner, and a series cut short loses only its unfinished attempt', () => {
  const text = fixture('series-node.txt');
  const got = parseCurlSeries(text, base, 1, 2);
  assert.deepEqual(got.map((g) => [g.exitCode, g.httpCode, g.body]), [[0, 200, 'ok'], [0, 404, '']]);
  const cut = text.slice(0, text.lastIndexOf('__KPC_ATTEMPT_END__'));
  assert.equal(parseCurlSeries(cut, base, 1, 2).length, 1);
});

test('parseCurlSeries: a runner whose date has no %N keeps the exec times', () => {
  const text = '__KPC_ATTEMPT_BEGIN__ 1700000000%N\nhi\n__KPC_CURL__200|1.1.1.1|1|2.2.2.2|80\n__KPC_ATTEMPT_END__ 0 1700000000%N \n';
  const [a] = parseCurlSeries(text, base, 111, 222);
  assert.deepEqual([a?.startedAt, a?.endedAt, a?.body, a?.httpCode], [111, 222, 'hi', 200]);
});

test('curlSeriesScript quotes every argument for sh', () => {
  const s = curlSeriesScript("http://x/it's", 3, 5, ['-H', 'a: b']);
  assert.match(s, /'http:\/\/x\/it'\\''s'/);
  assert.match(s, /'-H' 'a: b'/);
  assert.match(s, /while \[ "\$i" -lt 3 \]/);
  assert.doesNotMatch(s, /sleep/);
  assert.match(curlSeriesScript('http://x/', 7, 1, [], 250), /if \[ "\$i" -gt 0 \]; then sleep 0\.25; fi/);
});

test('curlSeries: fewer attempts than asked is an error naming the runner (never a smaller sample)', async () => {
  const runner: Runner = { label: 'pod c', ip: '10.0.0.1', run: async () => ({ exitCode: 137, stdout: fixture('series-node.txt').split('__KPC_ATTEMPT_BEGIN__').slice(0, 2).join('__KPC_ATTEMPT_BEGIN__'), stderr: 'killed', durationMs: 1 }) } as Runner;
  await assert.rejects(curlSeries(runner, 'http://x/', 2), /pod c: a series of 2 requests to http:\/\/x\/ returned 1 \(exit 137, stderr: killed\)/);
});

/** A runner that runs the command in this host's sh, with a fake curl whose exit codes come from `codes` in turn. */
function shRunner(codes: number[], dir: string = tempDir('kpc-curlseq-')): Runner {
  writeFileSync(path.join(dir, 'codes'), codes.join('\n') + '\n');
  writeFileSync(
    path.join(dir, 'curl'),
    ['#!/bin/sh', `n=$(cat ${dir}/n 2>/dev/null || echo 0); n=$((n+1)); echo $n > ${dir}/n`, `rc=$(sed -n "\${n}p" ${dir}/codes)`, '[ "$rc" = 0 ] && printf "hi\\n__KPC_CURL__200|10.0.0.1|40000|10.96.0.1|80"', 'exit "$rc"', ''].join('\n'),
  );
  chmodSync(path.join(dir, 'curl'), 0o755);
  return {
    label: 'sh',
    ip: '10.0.0.1',
    run: async (cmd) => {
      const r = await execa(cmd[0] ?? '', cmd.slice(1), { reject: false, env: { PATH: `${dir}:${process.env.PATH}` }, stripFinalNewline: false });
      return { stdout: String(r.stdout), stderr: String(r.stderr), exitCode: r.exitCode ?? -1, durationMs: 1 };
    },
  };
}

test('curlSeries with stopUnless: a first attempt of the wrong kind ends the series there (run in sh with a fake curl)', async () => {
  const stop = { within: 2, exits: [0] };
  assert.deepEqual((await curlSeries(shRunner([28, 0, 0, 0]), 'http://x/', 4, { stopUnless: stop })).map((a) => a.exitCode), [28]);
  assert.deepEqual((await curlSeries(shRunner([0, 7, 0, 0]), 'http://x/', 4, { stopUnless: stop })).map((a) => a.exitCode), [0, 7]);
  // Past `within`, nothing stops it: the sample keeps every attempt, deviations included.
  assert.deepEqual((await curlSeries(shRunner([0, 0, 28, 7]), 'http://x/', 4, { stopUnless: stop })).map((a) => a.exitCode), [0, 0, 28, 7]);
  assert.deepEqual((await curlSeries(shRunner([28, 28, 0]), 'http://x/', 3, { stopUnless: { within: 2, exits: [7, 28] } })).map((a) => a.exitCode), [28, 28, 0]);
  // Without stopUnless, the same codes run to the end.
  assert.deepEqual((await curlSeries(shRunner([28, 0, 0]), 'http://x/', 3)).map((a) => a.exitCode), [28, 0, 0]);
  const a = (await curlSeries(shRunner([0]), 'http://x/', 1))[0];
  assert.deepEqual([a?.body, a?.httpCode, a?.localPort], ['hi', 200, 40000]);
});

test('curlSeries with pauseOnce: one sleep after the streak, before the sample (run in sh)', async () => {
  assert.match(curlSeriesScript('http://x/', 7, 5, [], 0, undefined, { after: 2, ms: 1000 }), /if \[ "\$i" -eq 2 \] && \[ "\$i" -lt 7 \]; then sleep 1; fi/);
  // A fake sleep logs each call and the curl it follows: no wall-clock threshold (one failed
  // under a CI rehearsal's load, a 250 ms gap between two plain process starts).
  const dir = tempDir('kpc-curlseq-');
  writeFileSync(path.join(dir, 'sleep'), ['#!/bin/sh', `echo "after=$(cat ${dir}/n 2>/dev/null || echo 0) $1" >> ${dir}/sleeps`, ''].join('\n'));
  chmodSync(path.join(dir, 'sleep'), 0o755);
  const got = await curlSeries(shRunner([0, 0, 0], dir), 'http://x/', 3, { pauseOnce: { after: 1, ms: 300 } });
  assert.equal(got.length, 3);
  assert.equal(readFileSync(path.join(dir, 'sleeps'), 'utf8'), 'after=1 0.3\n', 'one sleep of 0.3 s, after the first request, and only once');
});

test('curl: exit 0 without the -w trailer is lost output, an error (never an answer or a refusal)', async () => {
  const runner = { label: 'pod c', ip: '10.0.0.1', run: async () => ({ exitCode: 0, stdout: '', stderr: '', durationMs: 1 }) } as Runner;
  await assert.rejects(curl(runner, 'http://10.96.61.106:80/'), /pod c: curl http:\/\/10\.96\.61\.106:80\/ exited 0 but its output came back without curl's -w trailer \(0 bytes\)/);
});

test('curl: output lost once is made again, and the evidence says so', async () => {
  let n = 0;
  const runner = { label: 'pod c', ip: '10.0.0.1', run: async () => (n++ === 0 ? { exitCode: 0, stdout: '', stderr: '', durationMs: 1 } : { exitCode: 7, stdout: '__KPC_CURL__000||0||0', stderr: 'curl: (7) refused', durationMs: 1 }) } as Runner;
  const e = await curl(runner, 'http://x/');
  assert.equal(e.exitCode, 7);
  assert.match(e.stderr, /refused \(an earlier try of this attempt exited 0 with its output lost and was made again\)/);
});
