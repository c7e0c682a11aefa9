import { randomBytes } from 'node:crypto';
import { EventEmitter } from 'node:events';
import type { Etcd3, Lease } from 'etcd3';
import type { Logger } from 'pino';
import { backOff } from './backoff.js';
import { registryKeys } from './registry-keys.js';
import type { InstanceRecord, ServiceConfigRecord } from './registry-records.js';

/** `<service>-<version>-<8 random hex>` (docs/architecture.md, registry); the version is reduced to HAProxy-safe characters. */
export function newInstanceId(service: string, version: string): string {
  const safeVersion = version.replace(/[^\w.-]/g, '-');
  return `${service}-${safeVersion}-${randomBytes(4).toString('hex')}`;
}

/** What {@link Registration} needs to know about the instance it registers. */
export interface RegistrationOptions {
  etcd: Etcd3;
  prefix: string;
  ttlSeconds: number;
  config: ServiceConfigRecord;
  instance: InstanceRecord;
  logger: Logger;
}

interface RegistrationEvents {
  registered: [leaseId: string];
  lost: [error: Error];
}

/**
 * Keeps one instance registered: its key lives on a lease with keep-alives, and when the lease is
 * lost (etcd restarted, partition) the key is put again on a new lease as soon as etcd answers.
 * Emits `registered` after every successful put and `lost` when a lease is lost.
 */
export class Registration extends EventEmitter<RegistrationEvents> {
  private lease: Lease | undefined;
  private registering: Promise<void> | undefined;
  private readonly stopping = new AbortController();
  private readonly keys;

  constructor(private readonly options: RegistrationOptions) {
    super();
    this.keys = registryKeys(options.prefix);
  }

  /** Whether {@link deregister} was called: no registering any more. */
  private isStopped(): boolean {
    return this.stopping.signal.aborted;
  }

  /** The instance this registration holds in the registry. */
  get instance(): InstanceRecord {
    return this.options.instance;
  }

  /** The instance's registry key. */
  get key(): string {
    return this.keys.instance(this.options.instance.service, this.options.instance.id);
  }

  /**
   * Writes the service config and the instance key; retries until etcd answers or
   * {@link deregister}. One loop at a time: a call while one runs joins it.
   */
  register(): Promise<void> {
    this.registering ??= this.registerLoop().finally(() => (this.registering = undefined));
    return this.registering;
  }

  private async registerLoop(): Promise<void> {
    for (let attempt = 0; !this.isStopped(); attempt++) {
      const lease = this.options.etcd.lease(this.options.ttlSeconds);
      this.lease = lease;
      try {
        const leaseId = await this.putOn(lease);
        // Watched only once it holds the key: a loss during the attempt is the attempt's failure.
        lease.on('lost', (error) => this.onLost(lease, error));
        this.options.logger.info({ key: this.key, leaseId }, 'registered');
        this.emit('registered', leaseId);
        return;
      } catch (error) {
        this.lease = undefined;
        // A lease granted for a failed attempt must not keep a key alive: revoked when etcd
        // answers, otherwise it expires with its TTL, never kept alive.
        await lease.revoke().catch(() => lease.release());
        if (this.isStopped()) return;
        this.options.logger.warn({ err: error, attempt }, 'registration failed, retrying');
        try {
          await backOff(attempt, { baseMs: 100, maxMs: 1000 }, this.stopping.signal);
        } catch {
          return;
        }
      }
    }
  }

  /** Puts the service config, then the instance key on `lease`; returns the lease id. */
  private async putOn(lease: Lease): Promise<string> {
    const { etcd, config, instance } = this.options;
    await etcd.put(this.keys.serviceConfig(instance.service)).value(JSON.stringify(config));
    await lease.put(this.key).value(JSON.stringify(instance));
    return lease.grant();
  }

  private onLost(lease: Lease, error: Error): void {
    if (lease !== this.lease || this.stopping.signal.aborted) return;
    this.lease = undefined;
    this.options.logger.warn({ err: error }, 'lease lost, registering again');
    this.emit('lost', error);
    void this.register();
  }

  /**
   * Revokes the lease so the instance leaves the registry at once, and stops re-registering.
   * @returns the etcd revision at which the instance is known to be gone, or undefined when etcd
   * cannot be reached (the key then expires with its lease).
   */
  async deregister(): Promise<string | undefined> {
    this.stopping.abort();
    const lease = this.lease;
    this.lease = undefined;
    if (lease) {
      try {
        await lease.revoke();
      } catch (error) {
        this.options.logger.warn({ err: error }, 'lease revoke failed; the key expires with it');
        lease.release();
      }
    }
    try {
      const response = await this.options.etcd.get(this.key).exec();
      return response.header.revision;
    } catch {
      return undefined;
    }
  }
}
