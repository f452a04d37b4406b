// Struct codecs tested by effect: joining a group with ip_mreqn (interface by
// index, by name), ip_mreq (by address), group_req (MCAST_JOIN_GROUP, both
// families) and ipv6_mreq actually delivers multicast datagrams that cross a
// veth link into this namespace, and leaving stops them.
//
// Determinism: a second socket (the witness) stays joined to the same group
// on the same port; after the receiver leaves, the datagram that reaches the
// witness was handled by the kernel for both sockets in the same delivery
// pass, so the receiver provably did not get it. The receiver sets
// IP_MULTICAST_ALL=0 so only its own memberships count.
import * as dgram from 'node:dgram';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Socket, getOption, setOption } from '../helpers/sockit';
import { describeWith } from '../helpers/env';
import { Inbox, Peer, adoptDgram, closeDgram, makePeer } from './peer';

let peer: Peer;
let sender4: dgram.Socket;
let sender6: dgram.Socket;
let port = 41000;

interface Variant {
  title: string;
  family: 'ipv4' | 'ipv6';
  group: string;
  join: (target: number | dgram.Socket) => void;
  leave: (target: number | dgram.Socket) => void;
}

const variants = (): Variant[] => [
  {
    title: 'IP_ADD_MEMBERSHIP, ip_mreqn with the interface by index',
    family: 'ipv4',
    group: '239.88.0.1',
    join: (t) => setOption(t, 'IP_ADD_MEMBERSHIP', { group: '239.88.0.1', interface: peer.index }),
    leave: (t) => setOption(t, 'IP_DROP_MEMBERSHIP', { group: '239.88.0.1', interface: peer.index }),
  },
  {
    title: 'IP_ADD_MEMBERSHIP, ip_mreq with the interface by address',
    family: 'ipv4',
    group: '239.88.0.2',
    join: (t) => setOption(t, 'IP_ADD_MEMBERSHIP', { group: '239.88.0.2', interface: peer.address }),
    leave: (t) => setOption(t, 'IP_DROP_MEMBERSHIP', { group: '239.88.0.2', interface: peer.address }),
  },
  {
    title: 'IP_ADD_MEMBERSHIP, ip_mreqn with the interface by name',
    family: 'ipv4',
    group: '239.88.0.3',
    join: (t) => setOption(t, 'IP_ADD_MEMBERSHIP', { group: '239.88.0.3', interface: peer.name }),
    leave: (t) => setOption(t, 'IP_DROP_MEMBERSHIP', { group: '239.88.0.3', interface: peer.name }),
  },
  {
    title: 'MCAST_JOIN_GROUP, group_req (IPv4 group)',
    family: 'ipv4',
    group: '239.88.0.4',
    join: (t) => setOption(t, 'MCAST_JOIN_GROUP', { group: '239.88.0.4', interface: peer.name }),
    leave: (t) => setOption(t, 'MCAST_LEAVE_GROUP', { group: '239.88.0.4', interface: peer.name }),
  },
  {
    title: 'MCAST_JOIN_GROUP, group_req with the interface by address (looked up among the interfaces)',
    family: 'ipv4',
    group: '239.88.0.7',
    join: (t) => setOption(t, 'MCAST_JOIN_GROUP', { group: '239.88.0.7', interface: peer.address }),
    leave: (t) => setOption(t, 'MCAST_LEAVE_GROUP', { group: '239.88.0.7', interface: peer.address }),
  },
  {
    title: 'MCAST_JOIN_GROUP, group_req (IPv6 group)',
    family: 'ipv6',
    group: 'ff15::88:5',
    join: (t) => setOption(t, 'MCAST_JOIN_GROUP', { group: 'ff15::88:5', interface: peer.index }),
    leave: (t) => setOption(t, 'MCAST_LEAVE_GROUP', { group: 'ff15::88:5', interface: peer.index }),
  },
  {
    title: 'IPV6_JOIN_GROUP, ipv6_mreq with the interface by name',
    family: 'ipv6',
    group: 'ff15::88:6',
    join: (t) => setOption(t, 'IPV6_JOIN_GROUP', { group: 'ff15::88:6', interface: peer.name }),
    leave: (t) => setOption(t, 'IPV6_LEAVE_GROUP', { group: 'ff15::88:6', interface: peer.name }),
  },
];

/** A receiver configured with sockit, then handed to Node's dgram. */
async function receiver(v: Variant, p: number, allGroups: boolean): Promise<dgram.Socket> {
  const s = new Socket(v.family, 'dgram');
  s.setOption('SO_REUSEADDR', true);
  if (v.family === 'ipv4') s.setOption('IP_MULTICAST_ALL', allGroups);
  else s.setOption('IPV6_MULTICAST_ALL', allGroups);
  s.bind(p);
  v.join(s.fd);
  return adoptDgram(s.release(), v.family === 'ipv4' ? 'udp4' : 'udp6');
}

describeWith(['netns', 'CAP_NET_ADMIN', 'CAP_SYS_ADMIN'], 'multicast membership codecs, by effect', () => {
  beforeAll(async () => {
    peer = makePeer('skmc0', 88);
    // Senders live in the peer namespace; their multicast interface is set by sockit.
    const s4 = new Socket('ipv4', 'dgram', 0, { netns: peer.netns });
    s4.setOption('IP_MULTICAST_IF', peer.peerAddress);
    s4.setOption('IP_MULTICAST_LOOP', false);
    expect(s4.getOption('IP_MULTICAST_IF')).toBe(peer.peerAddress);
    s4.bind(`${peer.peerAddress}:0`);
    sender4 = await adoptDgram(s4.release(), 'udp4');
    const s6 = new Socket('ipv6', 'dgram', 0, { netns: peer.netns });
    s6.setOption('IPV6_MULTICAST_IF', peer.peerIndex); // an index: the name would resolve in this namespace
    s6.setOption('IPV6_MULTICAST_LOOP', false);
    expect(s6.getOption('IPV6_MULTICAST_IF')).toBe(peer.peerIndex);
    s6.bind(`[${peer.peerAddress6}]:0`);
    sender6 = await adoptDgram(s6.release(), 'udp6');
  });
  afterAll(async () => {
    if (sender4) await closeDgram(sender4);
    if (sender6) await closeDgram(sender6);
    peer?.destroy();
  });

  for (const v of variants()) {
    it(`${v.title}: joining delivers, leaving stops`, async () => {
      const p = port++;
      const rx = await receiver(v, p, false);
      const witness = await receiver(v, p, true);
      const inbox = new Inbox(rx);
      const seen = new Inbox(witness);
      const send = (text: string): void => (v.family === 'ipv4' ? sender4 : sender6).send(text, p, v.group);
      try {
        send('joined');
        await inbox.waitFor('joined');
        await seen.waitFor('joined');
        // Leave through Node's own socket: setOption accepts a dgram.Socket.
        v.leave(rx);
        send('left');
        await seen.waitFor('left');
        expect(inbox.messages).toEqual(['joined']);
        // Leaving twice is an error: the membership is really gone.
        expect(() => v.leave(rx)).toThrow(expect.objectContaining({ name: 'SocketError', code: 'EADDRNOTAVAIL' }));
      } finally {
        await closeDgram(rx);
        await closeDgram(witness);
      }
    });
  }

  it('IP_MULTICAST_IF by interface name (ip_mreqn) reads back as the unset address', () => {
    const s = new Socket('ipv4', 'dgram');
    try {
      setOption(s, 'IP_MULTICAST_IF', peer.name);
      expect(getOption(s, 'IP_MULTICAST_IF')).toBe('0.0.0.0'); // the kernel keeps the index, reports only mc_addr
      setOption(s, 'IP_MULTICAST_IF', peer.address);
      expect(getOption(s, 'IP_MULTICAST_IF')).toBe(peer.address);
    } finally {
      s.close();
    }
  });
});

describe('multicast test helpers', () => {
  it('are importable without a namespace', () => expect(typeof makePeer).toBe('function'));
});
