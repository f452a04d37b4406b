// SO_MEMINFO through the option table: the live drop counter defect f reads
// (SK_MEMINFO_DROPS), next to PACKET_STATISTICS for packet sockets.
import { expect, it } from 'vitest';
import { constants, getOption, native, setOption } from '../helpers/sockit';
import { describeWith } from '../helpers/env';

describeWith(['netns'], 'SO_MEMINFO', () => {
  it('reads the socket memory counters by name; drops counts every datagram the full receive queue refused', async () => {
    const c = constants;
    const rx = native.socket(c.AF_INET!, c.SOCK_DGRAM!, 0);
    const tx = native.socket(c.AF_INET!, c.SOCK_DGRAM!, 0);
    try {
      setOption(rx, 'SO_RCVBUF', 4096);
      expect(native.bind(rx, { family: c.AF_INET!, address: '127.0.0.1', port: 0 })).toBe(0);
      const to = native.ioEncodeAddress(native.getsockname(rx) as never);
      const before = getOption(rx, 'SO_MEMINFO');
      expect(before.drops).toBe(0);
      expect(before.rcvbuf).toBe(getOption(rx, 'SO_RCVBUF'));
      let sent = 0;
      for (let i = 0; i < 500; i++) if (native.sendmsgFd(tx, Buffer.alloc(200), to, null) === 200) sent++;
      const after = getOption(rx, 'SO_MEMINFO');
      expect(after.rmemAlloc).toBeGreaterThan(0);
      expect(after.drops).toBeGreaterThan(0);
      expect(after.drops).toBeLessThan(sent);
      expect(Object.keys(after).sort()).toEqual(['backlog', 'drops', 'fwdAlloc', 'optmem', 'rcvbuf', 'rmemAlloc', 'sndbuf', 'wmemAlloc', 'wmemQueued']);
      expect(c.SK_MEMINFO_DROPS).toBe(8);
      expect(c.SK_MEMINFO_VARS).toBe(9);
    } finally {
      native.close(rx);
      native.close(tx);
    }
  });
});
