import { describe, expect, it } from 'vitest';
import { PacketSocket, Socket, native } from '../../helpers/sockit';

// Native packet calls and PacketSocket validation with hostile arguments:
// only TypeError/RangeError (with codes) or negative errnos, never a crash.
describe('packet natives and PacketSocket validation under hostile input', () => {
  const values: unknown[] = [undefined, null, -1, 1.5, 2 ** 40, NaN, 'veth0', '', 'x'.repeat(100), {}, [], Symbol('s'), 10n, Buffer.alloc(0), Buffer.alloc(7), Buffer.alloc(8 * 5000), new Float64Array(2), () => 0];
  it('native calls throw typed errors or return -errno', () => {
    const udp = new Socket('ipv4', 'dgram');
    const fds: unknown[] = [udp.fd, 0, 9999, ...values];
    try {
      for (const fd of fds) {
        for (const v of values) {
          for (const call of [
            () => native.packetAttachFilter(fd as number, v as Uint8Array),
            () => native.packetDrain(fd as number, v as number),
            () => native.packetInterface(fd as number, v as string),
          ]) {
            let r: unknown;
            try {
              r = call();
            } catch (e) {
              expect(e).toBeInstanceOf(Error);
              expect(['TypeError', 'RangeError']).toContain((e as Error).name);
              expect((e as { code?: string }).code).toMatch(/^ERR_/);
              continue;
            }
            expect(typeof r === 'number' ? r <= 0 || Number.isInteger(r) : typeof r === 'object').toBe(true);
          }
        }
      }
      // A valid program on a UDP socket is accepted; the queue drains to 0.
      expect(native.packetAttachFilter(udp.fd, Buffer.from([6, 0, 0, 0, 0xff, 0xff, 0, 0]))).toBe(0);
      expect(native.packetDrain(udp.fd, 100)).toBe(0);
    } finally {
      udp.close();
    }
  });

  it('PacketSocket.open rejects bad options before any system call', async () => {
    const bad: Array<[unknown, string]> = [
      [null, 'ERR_INVALID_ARG_TYPE'],
      [{ mode: 'cooked-ish' }, 'ERR_INVALID_ARG_VALUE'],
      [{ protocol: 0x10000 }, 'ERR_OUT_OF_RANGE'],
      [{ protocol: 'ip' }, 'ERR_INVALID_ARG_TYPE'],
      [{ interface: {} }, 'ERR_INVALID_ARG_TYPE'],
      [{ promiscuous: 'yes' }, 'ERR_INVALID_ARG_TYPE'],
      [{ promiscuous: true }, 'ERR_INVALID_ARG_VALUE'],
      [{ filter: [{ code: 0x28, jt: 0, jf: 0, k: 12 }] }, 'ERR_INVALID_ARG_VALUE'],
      [{ filter: 'not tcpdump output' }, 'ERR_FILTER_SYNTAX'],
      [{ filter: 'udp port 99999' }, 'ERR_FILTER_SYNTAX'],
      [{ filter: 42 }, 'ERR_INVALID_ARG_TYPE'],
      [{ fanout: { id: -1, mode: 'hash' } }, 'ERR_OUT_OF_RANGE'],
      [{ fanout: { group: 1, mode: 'lb' } }, 'ERR_INVALID_ARG_VALUE'],
      [{ fanout: { id: 1, mode: 'spray' } }, 'ERR_INVALID_ARG_VALUE'],
      [{ batchSize: 0 }, 'ERR_OUT_OF_RANGE'],
      [{ receiveBufferSize: -5 }, 'ERR_OUT_OF_RANGE'],
      [{ netns: 5 }, 'ERR_INVALID_ARG_TYPE'],
    ];
    for (const [o, code] of bad) {
      await expect(PacketSocket.open(o as never), JSON.stringify(o)).rejects.toMatchObject({ code });
    }
  });
});
