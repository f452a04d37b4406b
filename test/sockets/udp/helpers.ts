import { once } from 'node:events';
import type { MessageInfo, UdpSocket } from '../../helpers/sockit';

/** Sockets made in a test; closed (awaited) in afterEach so no handle leaks. */
export class Pool {
  sockets: UdpSocket[] = [];
  add<T extends UdpSocket>(s: T): T {
    this.sockets.push(s);
    return s;
  }
  async closeAll(): Promise<void> {
    const all = this.sockets.splice(0);
    await Promise.all(all.map((s) => s.close()));
  }
}

/** Collect `n` messages (or fail after `ms`). */
export function collect(s: UdpSocket, n: number, ms = 5000): Promise<Array<{ data: Buffer; info: MessageInfo }>> {
  return new Promise((resolve, reject) => {
    const out: Array<{ data: Buffer; info: MessageInfo }> = [];
    const timer = setTimeout(() => {
      s.off('message', on);
      reject(new Error(`timed out with ${out.length}/${n} messages`));
    }, ms);
    const on = (data: Buffer, info: MessageInfo): void => {
      out.push({ data: Buffer.from(data), info });
      if (out.length >= n) {
        clearTimeout(timer);
        s.off('message', on);
        resolve(out);
      }
    };
    s.on('message', on);
  });
}

/** Messages that arrive within `ms`. */
export async function gather(s: UdpSocket, ms: number): Promise<Array<{ data: Buffer; info: MessageInfo }>> {
  const out: Array<{ data: Buffer; info: MessageInfo }> = [];
  const on = (data: Buffer, info: MessageInfo): void => {
    out.push({ data: Buffer.from(data), info });
  };
  s.on('message', on);
  await new Promise((r) => setTimeout(r, ms));
  s.off('message', on);
  return out;
}

export async function nextError(s: UdpSocket, ms = 3000): Promise<Error & { code?: string; syscall?: string }> {
  const ac = new AbortController();
  const t = setTimeout(() => ac.abort(), ms);
  // Asynchronous errors (POLLERR) are seen while the socket receives: be a consumer meanwhile.
  const consume = (): void => {};
  s.on('message', consume);
  try {
    const [err] = await once(s, 'error', { signal: ac.signal });
    return err as Error;
  } finally {
    clearTimeout(t);
    s.off('message', consume);
  }
}

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
