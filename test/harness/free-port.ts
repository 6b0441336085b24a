// Free TCP ports on loopback, for servers that cannot listen on port 0 and
// report back (Kafka must know its own port to advertise it; Redis keeps its
// port across a restart). The ports are released before the caller binds them,
// so another process could take one in between: rare on a test machine, and the
// server's start then fails loudly.
import { createServer, type Server } from 'node:net';

function listenOnAnyPort(host: string): Promise<Server> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.once('error', reject);
    server.listen({ port: 0, host, exclusive: true }, () => resolve(server));
  });
}

// Ports this process has handed out already. A test often takes ports for
// several servers first and starts them one by one; in between, the kernel
// may give a released port to the next caller here (seen: an admin endpoint
// on the port a test had just taken for a receiver). Never give one twice.
const handedOut = new Set<number>();

/** `count` distinct free ports, none handed out before by this process: all are held until every one is chosen, so they differ. */
export async function freePorts(count: number, host = '127.0.0.1'): Promise<number[]> {
  const held: Server[] = [];
  const ports: number[] = [];
  try {
    for (let tries = 0; ports.length < count; tries++) {
      if (tries > count * 50) throw new Error(`no ${count} unused free ports after ${tries} tries`);
      const server = await listenOnAnyPort(host);
      held.push(server); // held even when refused, so the kernel offers another
      const address = server.address();
      if (address === null || typeof address !== 'object') throw new Error(`no port from ${String(address)}`);
      if (handedOut.has(address.port)) continue;
      handedOut.add(address.port);
      ports.push(address.port);
    }
    return ports;
  } finally {
    await Promise.all(held.map((server) => new Promise<void>((resolve) => server.close(() => resolve()))));
  }
}

export async function freePort(host = '127.0.0.1'): Promise<number> {
  const [port] = await freePorts(1, host);
  if (port === undefined) throw new Error('no free port');
  return port;
}

/** A free UDP port on loopback (released before the caller binds it, as above). */
export async function freeUdpPort(host = '127.0.0.1'): Promise<number> {
  const { createSocket } = await import('node:dgram');
  const socket = createSocket(host.includes(':') ? 'udp6' : 'udp4');
  await new Promise<void>((resolve, reject) => {
    socket.once('error', reject);
    socket.bind(0, host, () => resolve());
  });
  const { port } = socket.address();
  await new Promise<void>((resolve) => socket.close(() => resolve()));
  return port;
}
