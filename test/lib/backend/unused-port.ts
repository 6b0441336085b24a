// A loopback port with nothing listening: bound once by us, then released, so
// connecting to it is refused (a stand-in for a backend that is down).
import net from 'node:net';
import type { AddressInfo } from 'node:net';

export async function unusedPort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}
