import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';

/** The lowest port the kernel hands out as a connection's source port (32768 when unknown). */
function ephemeralLow(): number {
  try {
    const low = Number(
      readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').split(/\s+/)[0],
    );
    return Number.isInteger(low) && low > 2048 ? low : 32768;
  } catch {
    return 32768;
  }
}

/** The ports {@link freePort} picks from: the 12 000 just below the kernel's source ports. */
const LOW = ephemeralLow();
const FIRST = Math.max(1024, LOW - 12_000);

/** Whether `port` on 127.0.0.1 can be listened on now. */
async function portFree(port: number): Promise<boolean> {
  const server = createServer();
  try {
    server.listen(port, '127.0.0.1');
    await once(server, 'listening');
    return true;
  } catch {
    return false;
  } finally {
    server.close();
  }
}

/**
 * The first of `count` consecutive TCP ports free on 127.0.0.1 now, for something to listen on
 * (an instance, a test's etcd members, which take their ports in a row).
 *
 * Never one of the kernel's source ports: a process restarted on its port while others keep
 * dialling it could otherwise find the port taken by a dial that connected to itself (a TCP
 * self-connect, source port = destination port), and fail with "address already in use".
 */
export async function freePort(count = 1): Promise<number> {
  for (;;) {
    const first = FIRST + Math.floor(Math.random() * (LOW - FIRST - count + 1));
    const run = Array.from({ length: count }, (_, n) => first + n);
    if ((await Promise.all(run.map(portFree))).every(Boolean)) return first;
  }
}
