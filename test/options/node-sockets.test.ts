// Options applied to Node's own sockets: a sockit Socket configured before
// bind and handed to dgram with bind({fd}); setOption/getOption directly on a
// dgram.Socket, a connected net.Socket and a listening net.Server.
import * as dgram from 'node:dgram';
import * as net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Socket, getOption, setOption } from '../helpers/sockit';
import { describeWith } from '../helpers/env';
import { Inbox, Peer, adoptDgram, closeDgram, makePeer } from './peer';

describeWith(['netns', 'CAP_NET_ADMIN', 'CAP_SYS_ADMIN'], 'SO_BINDTODEVICE before bind, handed to dgram', () => {
  let peer: Peer;
  let sender: dgram.Socket;
  beforeAll(async () => {
    peer = makePeer('skns0', 89);
    const s = new Socket('ipv4', 'dgram', 0, { netns: peer.netns }).bind(`${peer.peerAddress}:0`);
    sender = await adoptDgram(s.release(), 'udp4');
  });
  afterAll(async () => {
    if (sender) await closeDgram(sender);
    peer?.destroy();
  });

  async function bound(device: string): Promise<{ sock: dgram.Socket; inbox: Inbox; port: number }> {
    const s = new Socket('ipv4', 'dgram');
    s.setOption('SO_BINDTODEVICE', device); // before bind
    s.bind('0.0.0.0:0');
    const port = s.localAddress().port;
    const sock = await adoptDgram(s.release(), 'udp4');
    expect(getOption(sock, 'SO_BINDTODEVICE')).toBe(device); // read back through Node's socket
    return { sock, inbox: new Inbox(sock), port };
  }

  it('a socket bound to the veth receives what crosses the veth; one bound to lo does not', async () => {
    const onVeth = await bound(peer.name);
    const onLo = await bound('lo');
    const plain = new Inbox(await adoptDgram(new Socket('ipv4', 'dgram').bind('0.0.0.0:0').release(), 'udp4'));
    const plainPort = plain.socket.address().port;
    try {
      sender.send('to-veth', onVeth.port, peer.address);
      await onVeth.inbox.waitFor('to-veth');
      // Same sender, same link, in order: once the marker reached an unbound
      // socket, the datagram sent before it to the lo-bound socket was handled.
      sender.send('to-lo-bound', onLo.port, peer.address);
      sender.send('marker', plainPort, peer.address);
      await plain.waitFor('marker');
      expect(onLo.inbox.messages).toEqual([]);
      // ...while local traffic (which arrives on lo) does reach it.
      const local = dgram.createSocket('udp4');
      local.send('local', onLo.port, '127.0.0.1');
      await onLo.inbox.waitFor('local');
      await closeDgram(local);
    } finally {
      await closeDgram(onVeth.sock);
      await closeDgram(onLo.sock);
      await closeDgram(plain.socket);
    }
  });
});

describeWith(['netns'], 'setOption/getOption on Node sockets', () => {
  it('dgram.Socket: SO_RCVBUF agrees with Node\'s own getter; IP_MULTICAST_TTL round-trips', async () => {
    const sock = dgram.createSocket('udp4');
    await new Promise<void>((r) => sock.bind(0, '127.0.0.1', () => r()));
    try {
      setOption(sock, 'SO_RCVBUF', 65536);
      expect(sock.getRecvBufferSize()).toBe(131072);
      expect(getOption(sock, 'SO_RCVBUF')).toBe(131072);
      setOption(sock, 'IP_MULTICAST_TTL', 9);
      expect(getOption(sock, 'IP_MULTICAST_TTL')).toBe(9);
      // The family check uses Node's socket type for free.
      expect(() => setOption(sock, 'IPV6_V6ONLY', true)).toThrow(expect.objectContaining({ code: 'ERR_SOCKIT_OPTION_NOT_APPLICABLE' }));
    } finally {
      await closeDgram(sock);
    }
    expect(() => setOption(sock, 'SO_RCVBUF', 1)).toThrow(expect.objectContaining({ name: 'TypeError', code: 'ERR_SOCKIT_NO_DESCRIPTOR' }));
  });

  it('net.Socket: TCP_USER_TIMEOUT and TCP_NODELAY on a connected socket; net.Server: listening options', async () => {
    const server = net.createServer((c) => c.on('error', () => {}));
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
    try {
      expect(getOption(server, 'SO_ACCEPTCONN')).toBe(true);
      setOption(server, 'TCP_DEFER_ACCEPT', 7);
      expect(getOption(server, 'TCP_DEFER_ACCEPT')).toBe(7);
      const { port } = server.address() as net.AddressInfo;
      const client = net.connect(port, '127.0.0.1');
      await new Promise<void>((resolve, reject) => {
        client.once('connect', () => resolve());
        client.once('error', reject);
      });
      try {
        setOption(client, 'TCP_USER_TIMEOUT', 4321);
        expect(getOption(client, 'TCP_USER_TIMEOUT')).toBe(4321);
        client.setNoDelay(true); // Node's own setter...
        expect(getOption(client, 'TCP_NODELAY')).toBe(true); // ...is visible to sockit
        setOption(client, 'TCP_NODELAY', false);
        expect(getOption(client, 'TCP_NODELAY')).toBe(false);
        expect(getOption(client, 'TCP_MAXSEG')).toBeGreaterThan(0);
      } finally {
        client.destroy();
      }
    } finally {
      await new Promise<void>((r) => server.close(() => r()));
    }
  });

  it('a sockit Socket with options set before listen, handed to net.Server', async () => {
    const s = new Socket('ipv6', 'stream');
    s.setOption('IPV6_V6ONLY', true).setOption('SO_REUSEPORT', true).setOption('TCP_FASTOPEN', 5);
    s.bind('[::1]:0').listen(8);
    const port = s.localAddress().port;
    const server = net.createServer();
    await new Promise<void>((r) => server.listen({ fd: s.release() }, () => r()));
    try {
      expect(getOption(server, 'IPV6_V6ONLY')).toBe(true);
      expect(getOption(server, 'SO_REUSEPORT')).toBe(true);
      expect(getOption(server, 'TCP_FASTOPEN')).toBe(5);
      const client = net.connect(port, '::1');
      await new Promise<void>((resolve, reject) => {
        client.once('connect', () => resolve());
        client.once('error', reject);
      });
      client.destroy();
    } finally {
      await new Promise<void>((r) => server.close(() => r()));
    }
  });
});

describe('Node socket targets without a descriptor', () => {
  it('a net.Socket that never connected is a clear TypeError', () => {
    expect(() => getOption(new net.Socket(), 'SO_TYPE')).toThrow(expect.objectContaining({ name: 'TypeError', code: 'ERR_SOCKIT_NO_DESCRIPTOR' }));
  });
});
