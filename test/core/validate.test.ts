// Issue 10 (n): unknown keys in options objects are rejected with
// ERR_INVALID_ARG_VALUE naming the key and the closest valid one.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Socket, getInterface, interfaces, multicast, setOption } from '../helpers/sockit';
import { closest, rejectUnknownKeys } from '../../dist/core/validate.js';

function thrown(fn: () => unknown): Error & { code?: string } {
  try {
    fn();
  } catch (e) {
    return e as Error & { code?: string };
  }
  throw new Error('expected a throw');
}

describe('closest and rejectUnknownKeys', () => {
  it('closest prefers a case-only difference, else edit distance ≤ 2', () => {
    expect(closest('reuseport', ['reuseAddress', 'reusePort'])).toBe('reusePort');
    expect(closest('recieve', ['receive', 'reusePort'])).toBe('receive');
    expect(closest('promisc', ['promiscuous', 'interface'])).toBeUndefined();
    expect(closest('zzzzzz', ['netns'])).toBeUndefined();
  });

  it('names the unknown key, the suggestion and the valid keys', () => {
    const e = thrown(() => rejectUnknownKeys({ reuseport: true }, ['reuseAddress', 'reusePort'], 'options'));
    expect(e).toMatchObject({ name: 'TypeError', code: 'ERR_INVALID_ARG_VALUE' });
    expect(e.message).toContain("'options.reuseport'");
    expect(e.message).toContain("did you mean 'options.reusePort'?");
    expect(e.message).toContain('valid: reuseAddress, reusePort');
  });

  it('accepts known keys (also undefined-valued) and ignores symbol keys', () => {
    expect(() => rejectUnknownKeys({ netns: undefined, [Symbol('x')]: 1 }, ['netns'], 'options')).not.toThrow();
    expect(() => rejectUnknownKeys({ fd: 3 }, ['netns'], 'options')).toThrow(expect.objectContaining({ code: 'ERR_INVALID_ARG_VALUE' }));
    expect(() => rejectUnknownKeys(null as never, [], 'options')).toThrow(expect.objectContaining({ code: 'ERR_INVALID_ARG_TYPE' }));
  });
});

describe('options objects outside UdpSocket/PacketSocket reject unknown keys', () => {
  let s: Socket;
  beforeAll(() => {
    s = new Socket('ipv4', 'dgram');
  });
  afterAll(() => s.close());

  const cases: Array<[string, () => unknown, string, string | undefined]> = [
    ['new Socket options', () => new Socket('ipv4', 'dgram', 0, { netsn: 'x' } as never), 'options.netsn', 'options.netns'],
    ['Socket.adopt options', () => Socket.adopt(0, { own: true } as never), 'options.own', 'options.owned'],
    ['interfaces options', () => interfaces({ netNs: 'x' } as never), 'options.netNs', 'options.netns'],
    ['getInterface options', () => getInterface('lo', { fd: 1 } as never), 'options.fd', undefined],
    ['SO_LINGER value', () => setOption(s, 'SO_LINGER', { enabled: true, second: 1 } as never), 'value.second', 'value.seconds'],
    ['SO_RCVTIMEO value', () => setOption(s, 'SO_RCVTIMEO', { seconds: 1, microsecond: 0 } as never), 'value.microsecond', 'value.microseconds'],
    ['MCAST_JOIN_GROUP value', () => setOption(s, 'MCAST_JOIN_GROUP', { group: '239.1.1.1', iface: 'lo' } as never), 'value.iface', undefined],
    ['IP_ADD_MEMBERSHIP value', () => setOption(s, 'IP_ADD_MEMBERSHIP', { group: '239.1.1.1', interfac: 'lo' } as never), 'value.interfac', 'value.interface'],
  ];
  for (const [what, fn, key, near] of cases) {
    it(`${what}: ${key}`, () => {
      const e = thrown(fn);
      expect(e).toMatchObject({ code: 'ERR_INVALID_ARG_VALUE' });
      expect(e.message).toContain(`'${key}'`);
      if (near) expect(e.message).toContain(`did you mean '${near}'?`);
    });
  }

  it('multicast.listen / multicast.send options', async () => {
    await expect(multicast.listen('239.192.0.1:4000', { reuseport: true } as never)).rejects.toMatchObject({
      code: 'ERR_INVALID_ARG_VALUE',
      message: expect.stringContaining("did you mean 'options.reusePort'?"),
    });
    await expect(multicast.listen('239.192.0.1:4000', { recieve: { ttl: true } } as never)).rejects.toMatchObject({
      message: expect.stringContaining("did you mean 'options.receive'?"),
    });
    await expect(multicast.send('x', '239.192.0.1:4000', { ttl: 1, sourceport: 1 } as never)).rejects.toMatchObject({
      code: 'ERR_INVALID_ARG_VALUE',
      message: expect.stringContaining("did you mean 'options.sourcePort'?"),
    });
  });
});
