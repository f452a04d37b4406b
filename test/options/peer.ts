// A peer namespace joined to THIS test's namespace by a veth pair, so sockets
// here can use interface names (if_nametoindex resolves in this namespace)
// while traffic really crosses a link.
import { execFileSync } from 'node:child_process';
import * as dgram from 'node:dgram';
import { createTopology } from '../helpers/testing';

export interface Peer {
  /** Our end's name, index and addresses. */
  name: string;
  index: number;
  address: string;
  address6: string;
  /** The peer namespace (for `new Socket(..., { netns })`), its interface index and addresses. */
  netns: string;
  peerIndex: number;
  peerAddress: string;
  peerAddress6: string;
  destroy(): void;
}

export function makePeer(name: string, subnet: number): Peer {
  const topo = createTopology({ hosts: ['peer'], links: [] });
  const b = topo.host('peer');
  const sh = (cmd: string, args: string[]): string => execFileSync(cmd, args, { encoding: 'utf8' });
  sh('ip', ['link', 'add', name, 'type', 'veth', 'peer', 'name', 'veth0', 'netns', String(b.pid)]);
  const a4 = `198.18.${subnet}.1`;
  const b4 = `198.18.${subnet}.2`;
  const a6 = `fd00:5f:${subnet.toString(16)}::1`;
  const b6 = `fd00:5f:${subnet.toString(16)}::2`;
  sh('ip', ['addr', 'add', `${a4}/24`, 'dev', name]);
  sh('ip', ['-6', 'addr', 'add', `${a6}/64`, 'dev', name, 'nodad']);
  sh('ip', ['link', 'set', name, 'up']);
  b.exec('ip', ['addr', 'add', `${b4}/24`, 'dev', 'veth0']);
  b.exec('ip', ['-6', 'addr', 'add', `${b6}/64`, 'dev', 'veth0', 'nodad']);
  b.exec('ip', ['link', 'set', 'veth0', 'up']);
  const idx = (out: string): number => Number(/^(\d+):/.exec(out)?.[1]);
  return {
    name,
    index: idx(sh('ip', ['-o', 'link', 'show', name])),
    address: a4,
    address6: a6,
    netns: b.netns,
    peerIndex: idx(b.exec('ip', ['-o', 'link', 'show', 'veth0'])),
    peerAddress: b4,
    peerAddress6: b6,
    destroy(): void {
      try {
        sh('ip', ['link', 'del', name]);
      } catch {
        /* already gone */
      }
      topo.destroy();
    },
  };
}

/** Collects datagrams from a Node dgram socket. */
export class Inbox {
  readonly messages: string[] = [];
  #waiters: Array<() => void> = [];
  constructor(readonly socket: dgram.Socket) {
    socket.on('message', (m) => {
      this.messages.push(m.toString());
      for (const w of this.#waiters.splice(0)) w();
    });
  }
  has(text: string): boolean {
    return this.messages.includes(text);
  }
  /** Resolve once `text` arrived (rejects after `ms`: a lost datagram must fail the test, not hang it). */
  async waitFor(text: string, ms = 5000): Promise<void> {
    const deadline = Date.now() + ms;
    while (!this.has(text)) {
      if (Date.now() > deadline) throw new Error(`datagram ${JSON.stringify(text)} did not arrive (got ${JSON.stringify(this.messages)})`);
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, 50);
        this.#waiters.push(() => {
          clearTimeout(t);
          resolve();
        });
      });
    }
  }
}

/** bind({fd}) a descriptor into a Node dgram socket. */
export function adoptDgram(fd: number, type: 'udp4' | 'udp6'): Promise<dgram.Socket> {
  return new Promise((resolve, reject) => {
    const s = dgram.createSocket(type);
    s.once('error', reject);
    s.bind({ fd } as dgram.BindOptions, () => resolve(s));
  });
}

export function closeDgram(s: dgram.Socket): Promise<void> {
  return new Promise((resolve) => {
    try {
      s.close(() => resolve());
    } catch {
      resolve();
    }
  });
}
