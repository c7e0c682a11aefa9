import { lookup } from 'node:dns/promises';
import { isIP } from 'node:net';
import { CliSocket } from './cli-socket.js';
import type { MasterSocket } from './master-socket.js';
import { SERVER_CHECKS } from './render.js';
import { parseServerStates, type ServerState } from './server-state.js';
import type { ServerTarget } from './runtime-plan.js';

/** HAProxy answered a runtime command with something else than success. */
export class RuntimeRefusal extends Error {}

/**
 * `address` (`host:port` from the registry) with its host resolved the way HAProxy's `init-addr
 * libc` would: the runtime API takes IP addresses only.
 */
export async function resolveAddress(address: string): Promise<string> {
  const colon = address.lastIndexOf(':');
  const host = address.slice(0, colon).replace(/^\[(.*)\]$/, '$1');
  const port = address.slice(colon + 1);
  const ip = isIP(host) ? host : (await lookup(host)).address;
  return isIP(ip) === 6 ? `ipv6@${ip}:${port}` : `${ip}:${port}`;
}

const name = (target: Pick<ServerTarget, 'backend' | 'server'>) =>
  `${target.backend}/${target.server}`;

/**
 * Servers without reloads, through the current worker's admin stats socket (HAProxy 2.6's runtime
 * API). Every command checks HAProxy's answer; anything unexpected throws {@link RuntimeRefusal},
 * and the watcher falls back to a validated reload.
 */
export class ServerRuntime {
  private readonly socket: CliSocket;

  constructor(
    adminSocket: string,
    private readonly master: MasterSocket,
  ) {
    this.socket = new CliSocket(adminSocket);
  }

  /** The current worker's servers. */
  async servers(): Promise<ServerState[]> {
    return parseServerStates(await this.socket.commandWhenUp('show servers state'));
  }

  /**
   * Adds a server that takes traffic only once its first health check passed. `add server`
   * registers it in maintenance, and leaving maintenance with checks on makes it UP at once: its
   * health is forced down in the same batch, and the first passing check (100 ms later) brings it up.
   */
  async add(target: ServerTarget): Promise<void> {
    const server = name(target);
    await this.run(
      [
        `add server ${server} ${target.address} ${SERVER_CHECKS}`,
        `enable health ${server}`,
        `enable server ${server}`,
        `set server ${server} health down`,
      ],
      /New server registered\./g,
    );
  }

  /** Moves a server to another address. */
  async readdress(target: ServerTarget): Promise<void> {
    const colon = target.address.lastIndexOf(':');
    const ip = target.address.slice(0, colon).replace(/^ipv6@/, '');
    await this.run(
      [`set server ${name(target)} addr ${ip} port ${target.address.slice(colon + 1)}`],
      /^(IP changed from .*|no need to change the addr.*)$/gm,
    );
  }

  /**
   * Sets a server's administrative state in the current worker (checked) and in the workers of
   * previous configurations still finishing connections (best effort: they may not know it).
   */
  async setState(
    target: Pick<ServerTarget, 'backend' | 'server'>,
    state: 'ready' | 'drain' | 'maint',
  ): Promise<void> {
    const command = `set server ${name(target)} state ${state}`;
    await this.run([command]);
    if (state !== 'ready') await this.master.oldWorkers(command);
  }

  /** Deletes a server in maintenance; false while connections (WebSockets) are still attached. */
  async remove(target: Pick<ServerTarget, 'backend' | 'server'>): Promise<boolean> {
    const answer = await this.socket.commandWhenUp(`del server ${name(target)}`);
    if (/Server deleted\./.test(answer)) return true;
    if (/connection/i.test(answer)) return false;
    throw new RuntimeRefusal(`del server ${name(target)}: ${answer.trim()}`);
  }

  /** Runs `commands` in one batch; anything but `success` in the answer is a refusal. */
  private async run(commands: string[], success?: RegExp): Promise<void> {
    const answer = await this.socket.commandWhenUp(commands.join('; '));
    const rest = (success ? answer.replace(success, '') : answer).trim();
    if (rest !== '') throw new RuntimeRefusal(`${commands[0]}: ${rest}`);
  }
}
