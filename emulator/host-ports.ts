/**
 * Free host ports on 127.0.0.1 for a container's bindings (Docker mode). The emulator picks them
 * itself rather than letting Docker choose, because the container must be told its host ports
 * through `VAST_TCP_PORT_<n>` at create time (vast-api.md §6.2), and because fixed bindings keep
 * the same numbers across stop and start, as `ports` does on Vast.
 */
import { createSocket } from "node:dgram";
import { createServer } from "node:net";
import type { AddressInfo } from "node:net";
import type { PortMap, PortRequest } from "./docker-env.ts";

/** Something bound to a port the kernel chose, held until every port is drawn so none repeats. */
interface Held {
  port: number;
  release(): Promise<void>;
}

async function holdTcp(): Promise<Held> {
  const server = createServer();
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", resolve);
  });
  return { port: (server.address() as AddressInfo).port, release: () => new Promise((resolve) => server.close(() => resolve())) };
}

async function holdUdp(): Promise<Held> {
  const socket = createSocket("udp4");
  await new Promise<void>((resolve, reject) => {
    socket.once("error", reject);
    socket.bind(0, "127.0.0.1", resolve);
  });
  return { port: socket.address().port, release: () => new Promise((resolve) => socket.close(() => resolve())) };
}

/**
 * A host port for every requested container port; an identity request (≥ 70000) keeps its key and
 * is bound to the same number inside and out (§6.1, `boundPorts`).
 */
export async function allocateHostPorts(request: PortRequest): Promise<PortMap> {
  const held: Held[] = [];
  try {
    const map: PortMap = {};
    for (const key of request.keys) {
      const port = key.endsWith("/udp") ? await holdUdp() : await holdTcp();
      held.push(port);
      map[key] = String(port.port);
    }
    return map;
  } finally {
    await Promise.all(held.map((port) => port.release()));
  }
}
