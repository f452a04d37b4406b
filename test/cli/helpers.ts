import { spawn, spawnSync } from 'node:child_process';
import { join } from 'node:path';
import type { Host } from '../helpers/testing';

export const root = join(__dirname, '..', '..');
export const CLI = join(root, 'dist', 'cli', 'main.js');

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Run `sockit ARGS` synchronously (optionally inside a topology host). */
export function cli(args: string[], host?: Host, env: NodeJS.ProcessEnv = {}): CliResult {
  const cmd = host ? 'nsenter' : process.execPath;
  const argv = host ? [`--net=${host.netns}`, '--', process.execPath, CLI, ...args] : [CLI, ...args];
  const r = spawnSync(cmd, argv, { encoding: 'utf8', env: { ...process.env, ...env }, timeout: 30_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** A running `sockit ARGS` (for receivers); `done` resolves when it exits. */
export function cliAsync(args: string[], host?: Host): { done: Promise<CliResult>; stdout: () => string; stderr: () => string; kill: () => void; pid: number } {
  const cmd = host ? 'nsenter' : process.execPath;
  const argv = host ? [`--net=${host.netns}`, '--', process.execPath, CLI, ...args] : [CLI, ...args];
  const p = spawn(cmd, argv, { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  p.stdout.on('data', (d: Buffer) => (out += d.toString()));
  p.stderr.on('data', (d: Buffer) => (err += d.toString()));
  const done = new Promise<CliResult>((resolve) => p.on('close', (code) => resolve({ code, stdout: out, stderr: err })));
  return {
    done,
    stdout: () => out,
    stderr: () => err,
    kill: () => {
      if (p.pid && p.exitCode === null) process.kill(p.pid, 'SIGINT');
    },
    pid: p.pid as number,
  };
}

/** Resolve once `predicate(stdout+stderr)` holds (polling), or reject after `ms`. */
export async function waitFor(get: () => string, predicate: (s: string) => boolean, ms = 5000): Promise<void> {
  const end = Date.now() + ms;
  while (!predicate(get())) {
    if (Date.now() > end) throw new Error(`timed out waiting; output so far:\n${get()}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}
