import { test } from 'node:test';
import assert from 'node:assert/strict';
import { neighbourMac, neighbourResolved } from '../../harness/apps/lb.ts';

// `ip neigh show <address>` on an outside client (iproute2-6.1.0) during a fault run, 2026-12-02:
// MetalLB addresses announced by kpc-iptables-worker2, and an unassigned pool address right
// after a curl to it (`curl -m 1`, exit 28) and 4 s later.
test('neighbourResolved: a MAC counts, a failed or incomplete entry does not', () => {
  assert.equal(neighbourResolved('172.19.255.224 dev eth0 lladdr 02:42:ac:13:00:04 REACHABLE \n'), true);
  assert.equal(neighbourResolved('172.19.255.225 dev eth0 lladdr 02:42:ac:13:00:04 STALE \n'), true);
  assert.equal(neighbourResolved('172.19.255.250 dev eth0 INCOMPLETE \n'), false);
  assert.equal(neighbourResolved('172.19.255.250 dev eth0 FAILED \n'), false);
  assert.equal(neighbourResolved(''), false);
});

test('neighbourMac: the MAC announcingNode compares with the nodes\' eth0, or nothing', () => {
  assert.equal(neighbourMac('172.19.255.224 dev eth0 lladdr 02:42:AC:13:00:04 REACHABLE \n'), '02:42:ac:13:00:04');
  assert.equal(neighbourMac('172.19.255.250 dev eth0 FAILED \n'), undefined);
});
