/** Loopback listeners on free ports, for tests and benchmarks. */
import net from "node:net";

/** Bind `server` on 127.0.0.1, port 0, and resolve the port. */
export async function listenOn(server: net.Server): Promise<number> {
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return (server.address() as net.AddressInfo).port;
}

/** A port on 127.0.0.1 that was free a moment ago (for `-p 127.0.0.1:<port>:…` and child servers). */
export async function freePort(): Promise<number> {
  const server = net.createServer();
  const port = await listenOn(server);
  await new Promise((resolve) => server.close(resolve));
  return port;
}
