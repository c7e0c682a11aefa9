import { join } from 'node:path';
import { baseEnv, renamed } from '@microflack/common';
import { z } from 'zod';
import type { RenderSettings } from './render.js';

const port = (fallback: number) => z.coerce.number().int().min(1).max(65535).default(fallback);

/** The watcher's environment (`.env.example` and README list each variable). */
export const balancerEnv = {
  NODE_ENV: baseEnv.NODE_ENV,
  LOG_LEVEL: baseEnv.LOG_LEVEL,
  MF_ETCD_URL: baseEnv.MF_ETCD_URL,
  /** The watcher's etcd user (`balancer` on a platform with authentication). */
  MF_ETCD_USER: baseEnv.MF_ETCD_USER,
  MF_ETCD_PASSWORD: baseEnv.MF_ETCD_PASSWORD,
  MF_ETCD_PREFIX: baseEnv.MF_ETCD_PREFIX,
  MF_LEASE_TTL: baseEnv.MF_LEASE_TTL,
  /** The interface HAProxy listens on: 127.0.0.1 locally, 0.0.0.0 in a container. */
  MF_BALANCER_BIND: renamed('MF_LB_BIND', z.string().min(1).default('127.0.0.1')),
  /** The load balancer's port. */
  MF_BALANCER_PORT: renamed('MF_LB_PORT', port(8080)),
  MF_STATS_PORT: port(8404),
  /**
   * A PEM file with the certificate (chain) and private key of the load balancer's HTTPS
   * listener; unset, HTTP only. The file is read by HAProxy (root before it drops privileges).
   */
  MF_BALANCER_TLS_CERT: z.string().min(1).optional(),
  /** The HTTPS port, when `MF_BALANCER_TLS_CERT` is set. */
  MF_BALANCER_HTTPS_PORT: port(8443),
  /** Plain-HTTP requests outside `/api` redirected to HTTPS (with a certificate only). */
  MF_BALANCER_HTTPS_REDIRECT: z.stringbool().default(false),
  /** `Strict-Transport-Security` max-age in seconds on HTTPS answers; 0 sends none. */
  MF_BALANCER_HSTS_MAX_AGE: z.coerce.number().int().min(0).default(0),
  /** `user:password` of the stats page; a secret, so production refuses the default. */
  HAPROXY_STATS_AUTH: z
    .string()
    .regex(/^[^:\s]+:\S+$/, 'must be user:password without spaces')
    .default('admin:microflack'),
  /** The directory holding haproxy.cfg, the server-state file and the master socket. */
  HAPROXY_DIR: z.string().min(1).default('/var/lib/microflack/haproxy'),
  HAPROXY_BIN: z.string().min(1).default('haproxy'),
  /**
   * `user:group` HAProxy's workers run as when HAProxy is started as root (e.g.
   * `haproxy:haproxy`); unset, they keep the identity HAProxy started with.
   */
  HAPROXY_RUN_AS: z
    .string()
    .regex(/^[a-z_][a-z0-9_-]{0,31}:[a-z_][a-z0-9_-]{0,31}$/, 'must be user:group')
    .optional(),
  HAPROXY_HARD_STOP_AFTER: z.coerce.number().int().positive().default(30),
  MF_RELOAD_INTERVAL_MS: z.coerce.number().int().min(0).default(500),
};

/** The parsed watcher configuration. */
export type BalancerConfig = z.infer<z.ZodObject<typeof balancerEnv>>;

/**
 * The environment that reproduces `config` in a watcher process (what a supervisor passes when
 * it starts `haproxy/dist/main.js`). Pure.
 */
export function balancerEnvironment(config: BalancerConfig): Record<string, string> {
  return Object.fromEntries(
    Object.entries(config).map(([name, value]) => [
      name,
      Array.isArray(value) ? value.join(',') : String(value),
    ]),
  );
}

/** The files HAProxy and the watcher share, all in one directory. */
export interface HaproxyPaths {
  dir: string;
  config: string;
  state: string;
  masterSocket: string;
  /** The current worker's admin stats socket (the runtime API). */
  adminSocket: string;
  /** The local peers socket that hands stick tables over on a reload. */
  peersSocket: string;
  pid: string;
}

/** Where everything lives under `dir`. Pure. */
export function haproxyPaths(dir: string): HaproxyPaths {
  return {
    dir,
    config: join(dir, 'haproxy.cfg'),
    state: join(dir, 'haproxy.state'),
    masterSocket: join(dir, 'master.sock'),
    adminSocket: join(dir, 'admin.sock'),
    peersSocket: join(dir, 'peers.sock'),
    pid: join(dir, 'haproxy.pid'),
  };
}

/** The renderer's settings for a configuration. Pure. */
export function renderSettings(config: BalancerConfig): RenderSettings {
  const paths = haproxyPaths(config.HAPROXY_DIR);
  return {
    bindHost: config.MF_BALANCER_BIND,
    balancerPort: config.MF_BALANCER_PORT,
    statsPort: config.MF_STATS_PORT,
    statsAuth: config.HAPROXY_STATS_AUTH,
    stateFile: paths.state,
    adminSocket: paths.adminSocket,
    peersSocket: paths.peersSocket,
    hardStopAfterSeconds: config.HAPROXY_HARD_STOP_AFTER,
    ...(config.HAPROXY_RUN_AS === undefined ? {} : { runAs: runAs(config.HAPROXY_RUN_AS) }),
    ...(config.MF_BALANCER_TLS_CERT === undefined
      ? {}
      : {
          https: {
            port: config.MF_BALANCER_HTTPS_PORT,
            certificate: config.MF_BALANCER_TLS_CERT,
            redirect: config.MF_BALANCER_HTTPS_REDIRECT,
            hstsMaxAgeSeconds: config.MF_BALANCER_HSTS_MAX_AGE,
          },
        }),
  };
}

/** `user:group` as the renderer's `runAs`. Pure. */
function runAs(userGroup: string): { user: string; group: string } {
  const [user = '', group = ''] = userGroup.split(':');
  return { user, group };
}
