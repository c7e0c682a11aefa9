/** What the rendered configuration needs besides the registry. */
export interface RenderSettings {
  /** The interface both listeners bind (127.0.0.1 locally, 0.0.0.0 in a container). */
  bindHost: string;
  /** The load balancer's port (8080 locally). */
  balancerPort: number;
  /** The stats page and Prometheus port (8404 locally). */
  statsPort: number;
  /** `user:password` that guards the stats page. */
  statsAuth: string;
  /** Where the watcher dumps server states before a reload, and HAProxy loads them from. */
  stateFile: string;
  /** The worker's admin stats socket: the runtime API the watcher adds and removes servers on. */
  adminSocket: string;
  /** The local peers socket through which a reload hands the stick tables to the new worker. */
  peersSocket: string;
  /** How long an old worker may linger after a reload (its WebSocket tunnels are then cut). */
  hardStopAfterSeconds: number;
  /**
   * The user and group HAProxy's workers drop to when it is started as root (after binding its
   * ports and sockets and reading its files); unset, they keep the identity HAProxy started with.
   */
  runAs?: { user: string; group: string };
  /** HTTPS next to HTTP on the same frontend; unset, HTTP only. */
  https?: HttpsSettings;
}

/** The load balancer's HTTPS listener. */
export interface HttpsSettings {
  port: number;
  /** A PEM file holding the certificate (chain) and its private key, as HAProxy's `crt` reads. */
  certificate: string;
  /** Whether plain-HTTP requests outside `/api` are redirected (308) to HTTPS. */
  redirect: boolean;
  /** `Strict-Transport-Security: max-age=…` on HTTPS answers; 0 sends none. */
  hstsMaxAgeSeconds: number;
}
