import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { demuxExecStream, engineExec, engineSocket } from '../../clusters/docker-engine.ts';
import { nodeAddresses } from '../../harness/probes/node.ts';
import type { Runner } from '../../harness/probes/runners.ts';
import { tempDir } from './tmp.ts';

// Captured from Docker 20.10 on this machine: POST /exec/<id>/start of
// `sh -c 'ip -o -4 addr show lo; echo to-stderr >&2; printf partial; exit 3'` in a kind node.
const STREAM = readFileSync(new URL('../fixtures/docker/exec-stream-exit3.bin', import.meta.url));

test('demux: the engine stream of a real exec splits into stdout and stderr', () => {
  const r = demuxExecStream(STREAM);
  assert.match(r.stdout, /^1: lo {4}inet 127\.0\.0\.1\/8 scope host lo\\ {7}valid_lft forever preferred_lft forever\npartial$/);
  assert.equal(r.stderr, 'to-stderr\n');
  // A stream cut in the middle of a frame keeps what arrived.
  assert.equal(demuxExecStream(STREAM.subarray(0, 20)).stdout, STREAM.subarray(8, 20).toString());
  assert.deepEqual(demuxExecStream(Buffer.alloc(0)), { stdout: '', stderr: '' });
});

test('engineSocket: a local unix socket only; contexts, remote hosts and KPC_DOCKER_CLI keep the CLI', () => {
  const dir = tempDir('kpc-sock-');
  const sock = path.join(dir, 'docker.sock');
  writeFileSync(sock, '');
  assert.equal(engineSocket({ DOCKER_HOST: `unix://${sock}` }), sock);
  assert.equal(engineSocket({ DOCKER_HOST: `unix://${sock}`, DOCKER_CONTEXT: 'x' }), undefined);
  assert.equal(engineSocket({ DOCKER_HOST: `unix://${sock}`, KPC_DOCKER_CLI: '1' }), undefined);
  assert.equal(engineSocket({ DOCKER_HOST: 'tcp://10.0.0.1:2376' }), undefined);
  assert.equal(engineSocket({ DOCKER_HOST: `unix://${dir}/missing.sock` }), undefined);
});

/** A fake engine on a unix socket: the two exec calls and the exec's state, as Docker answers them. */
async function fakeEngine(opts: { runningPolls?: number; hang?: boolean } = {}): Promise<{ sock: string; seen: string[]; close: () => Promise<void> }> {
  const sock = path.join(tempDir('kpc-engine-'), 'docker.sock');
  const seen: string[] = [];
  let polls = opts.runningPolls ?? 0;
  const server = http.createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString()));
    req.on('end', () => {
      seen.push(`${req.method} ${req.url} ${body}`);
      if (req.url === '/containers/nope/exec') return res.writeHead(404).end(JSON.stringify({ message: 'No such container: nope' }));
      if (req.url?.endsWith('/exec')) return res.writeHead(201, { 'Content-Type': 'application/json' }).end(JSON.stringify({ Id: 'abc' }));
      if (req.url === '/exec/abc/start') {
        if (opts.hang) return; // never answers
        return res.writeHead(200, { 'Content-Type': 'application/vnd.docker.raw-stream' }).end(STREAM);
      }
      if (req.url === '/exec/abc/json') {
        const running = polls-- > 0;
        return res.writeHead(200).end(JSON.stringify({ Running: running, ExitCode: running ? null : 3 }));
      }
      res.writeHead(500).end('{}');
    });
  });
  await new Promise<void>((r) => server.listen(sock, r));
  return { sock, seen, close: () => new Promise((r) => { server.closeAllConnections(); server.close(() => r()); }) };
}

test('engineExec: output, exit code (polled until the engine records it), the daemon message for an unknown container', async () => {
  const e = await fakeEngine({ runningPolls: 2 });
  try {
    const r = await engineExec(e.sock, 'kpc-worker', ['sh', '-c', 'x'], 5_000);
    assert.equal(r.exitCode, 3);
    assert.equal(r.stderr, 'to-stderr\n');
    assert.match(r.stdout, /partial$/);
    assert.equal(e.seen[0], 'POST /containers/kpc-worker/exec {"AttachStdout":true,"AttachStderr":true,"Cmd":["sh","-c","x"]}');
    assert.equal(e.seen[1], 'POST /exec/abc/start {"Detach":false,"Tty":false}');
    assert.equal(e.seen.filter((s) => s.startsWith('GET /exec/abc/json')).length, 3);
    assert.deepEqual(await engineExec(e.sock, 'nope', ['true'], 5_000), { stdout: '', stderr: 'Error response from daemon: No such container: nope\n', exitCode: 1 });
  } finally {
    await e.close();
  }
});

test('engineExec: a time-out throws with the command', async () => {
  const e = await fakeEngine({ hang: true });
  try {
    await assert.rejects(engineExec(e.sock, 'kpc-worker', ['sleep', '9'], 300), /docker exec kpc-worker timed out after 300 ms: sleep 9/);
  } finally {
    await e.close();
  }
});

function countingRunner(label: string, stdout: string): Runner & { calls: number } {
  const r = {
    label,
    calls: 0,
    run: async () => {
      r.calls += 1;
      return { stdout, stderr: '', exitCode: 0, durationMs: 1 };
    },
  };
  return r;
}

test('nodeAddresses: read once per node and family, but never kept for a node with kube-ipvs0', async () => {
  const plain = countingRunner('node a (172.18.0.3)', '2: eth0    inet 172.18.0.3/16 brd 172.18.255.255 scope global eth0\n');
  assert.deepEqual(await nodeAddresses(plain), ['172.18.0.3']);
  assert.deepEqual(await nodeAddresses(plain), ['172.18.0.3']);
  assert.equal(plain.calls, 1);
  await nodeAddresses(plain, ['IPv4', 'IPv6']);
  assert.equal(plain.calls, 2, 'the other family is read once too');
  const ipvs = countingRunner('node b (172.18.0.4)', '2: eth0    inet 172.18.0.4/16 scope global eth0\n3: kube-ipvs0    inet 10.96.0.1/32 scope global kube-ipvs0\n');
  assert.deepEqual(await nodeAddresses(ipvs), ['172.18.0.4', '10.96.0.1']);
  await nodeAddresses(ipvs);
  assert.equal(ipvs.calls, 2, 'ipvs binds every Service address to kube-ipvs0: read each time');
});
