// Per-option TypeScript types derived from the table (checked by
// `npm run typecheck`, which type-checks test/), plus the same calls at run time.
import { describe, expect, expectTypeOf, it } from 'vitest';
import { Socket, getOption, setOption } from '../helpers/sockit';
import type {
  BpfInstruction,
  Fanout,
  Linger,
  OptionGetValue,
  OptionSetValue,
  PacketStatistics,
  ReadableOptionName,
  Timeval,
  WritableOptionName,
} from '../helpers/sockit';

describe('typed option values', () => {
  it('derives set/get types per option name from the table', () => {
    expectTypeOf<OptionSetValue<'SO_REUSEADDR'>>().toEqualTypeOf<boolean>();
    expectTypeOf<OptionGetValue<'SO_RCVBUF'>>().toEqualTypeOf<number>();
    expectTypeOf<OptionGetValue<'SO_COOKIE'>>().toEqualTypeOf<bigint>();
    expectTypeOf<OptionGetValue<'SO_RCVTIMEO'>>().toEqualTypeOf<Timeval>();
    expectTypeOf<OptionSetValue<'SO_RCVTIMEO'>>().toEqualTypeOf<number | Timeval>();
    expectTypeOf<OptionGetValue<'SO_LINGER'>>().toEqualTypeOf<Linger>();
    expectTypeOf<OptionGetValue<'SO_BINDTODEVICE'>>().toEqualTypeOf<string>();
    expectTypeOf<OptionGetValue<'SO_ATTACH_FILTER'>>().toEqualTypeOf<BpfInstruction[]>();
    expectTypeOf<OptionGetValue<'PACKET_STATISTICS'>>().toEqualTypeOf<PacketStatistics>();
    expectTypeOf<OptionGetValue<'PACKET_FANOUT'>>().toEqualTypeOf<Fanout>();
    expectTypeOf<OptionSetValue<'IP_MTU_DISCOVER'>>().toEqualTypeOf<'dont' | 'want' | 'do' | 'probe' | 'interface' | 'omit' | number>();
    expectTypeOf<OptionSetValue<'PACKET_VERSION'>>().toEqualTypeOf<'v1' | 'v2' | 'v3' | number>();
    expectTypeOf<'SO_TYPE'>().toMatchTypeOf<ReadableOptionName>();
    expectTypeOf<'IP_ADD_MEMBERSHIP'>().toMatchTypeOf<WritableOptionName>();
    expectTypeOf<'SO_TYPE'>().not.toMatchTypeOf<WritableOptionName>();
    expectTypeOf<'IP_ADD_MEMBERSHIP'>().not.toMatchTypeOf<ReadableOptionName>();
  });

  it('rejects wrong value types at compile time (and at run time)', () => {
    const s = new Socket('ipv4', 'dgram');
    try {
      // @ts-expect-error a boolean option takes a boolean
      expect(() => setOption(s, 'SO_REUSEADDR', 1)).toThrow(TypeError);
      // @ts-expect-error SO_TYPE is read-only
      expect(() => setOption(s, 'SO_TYPE', 1)).toThrow(TypeError);
      // @ts-expect-error IP_ADD_MEMBERSHIP is write-only
      expect(() => getOption(s, 'IP_ADD_MEMBERSHIP')).toThrow(TypeError);
      // @ts-expect-error unknown option names do not type-check
      expect(() => s.setOption('SO_NOPE', true)).toThrow(TypeError);
      const ttl: number = s.setOption('IP_TTL', 9).getOption('IP_TTL');
      expect(ttl).toBe(9);
      const pmtu = s.setOption('IP_MTU_DISCOVER', 'do').getOption('IP_MTU_DISCOVER');
      expect(pmtu).toBe('do');
    } finally {
      s.close();
    }
  });
});
