// The drop-in in a cluster: a worker's non-exclusive bind asks the primary
// for one shared descriptor per address and port, as Node's dgram does, so
// workers that bind the same port share it instead of failing with
// EADDRINUSE. Run through the preload, as a cluster application would use it.
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { describeWith } from '../helpers/env';

const REGISTER = join(__dirname, '..', '..', 'dist', 'dgram', 'register.js');
const APP = join(__dirname, 'fixtures', 'cluster-app.cjs');

function run(mode: string): Record<string, unknown> {
  const r = spawnSync(process.execPath, ['--no-deprecation', '-r', REGISTER, APP, mode], { encoding: 'utf8', timeout: 30_000 });
  if (r.status !== 0) throw new Error(`cluster-app ${mode}: exit ${r.status} ${r.signal ?? ''}\n${r.stdout}\n${r.stderr}`);
  return JSON.parse(r.stdout.trim().split('\n').pop() as string) as Record<string, unknown>;
}

describeWith(['netns'], 'dgram drop-in in a cluster', () => {
  it('workers that bind the same port share one descriptor; an exclusive bind gets its own', () => {
    const out = run('share');
    expect(out.dgramIsDropin).toBe(true);
    expect(out.workersGetDropin).toBe(true);
    const ports = out.ports as { a: number; b: number; exclusive: number };
    expect(ports.a).toBeGreaterThan(0);
    expect(ports.b).toBe(ports.a);
    expect(ports.exclusive).not.toBe(ports.a);
    // One socket: each datagram reached exactly one of the two workers.
    expect(out.receivedByWorkers).toBe(out.sent);
  }, 60_000);

  it("the primary's bind error reaches the worker as Node words it, and the socket is unbound again", () => {
    const out = run('taken');
    const e = out.error as { code: string; message: string; bindState: number; port: number };
    expect(e.code).toBe('EADDRINUSE');
    expect(e.message).toBe(`bind EADDRINUSE 127.0.0.1:${e.port}`);
    expect(e.bindState).toBe(0);
  }, 60_000);

  it("bad engine options in a worker: the shared bind reports 'error' (not an exception in the cluster's callback)", () => {
    const out = run('badengine');
    const e = out.error as { code: string; bindState: number };
    expect(e.code).toBe('ERR_INVALID_ARG_TYPE');
    expect(e.bindState).toBe(0);
  }, 60_000);

  it("worker.disconnect() closes the worker's socket, and once no worker holds it the port is free", () => {
    const out = run('disconnect');
    expect(out.workerClosed).toBe(true);
    expect(out.rebindError).toBe(null);
  }, 60_000);
});
