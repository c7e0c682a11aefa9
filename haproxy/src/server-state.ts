/** One server as HAProxy's `show servers state` reports it. */
export interface ServerState {
  backend: string;
  server: string;
  /** `address:port` HAProxy sends traffic to. */
  address: string;
  /** Operational state: `UP` (passing checks or not yet checked) or `DOWN`. */
  state: 'UP' | 'DOWN';
  /** Administrative state: `READY`, `DRAIN` (no new sessions) or `MAINT` (no traffic at all). */
  admin: 'READY' | 'DRAIN' | 'MAINT';
}

// srv_admin_state bits (HAProxy 2.6 SRV_ADMF_*): forced, inherited, configured and DNS-failure
// maintenance; forced and inherited drain.
const MAINT_BITS = 0x01 | 0x02 | 0x04 | 0x20;
const DRAIN_BITS = 0x08 | 0x10;

/**
 * Parses `show servers state` (format version 1: `be_id be_name srv_id srv_name srv_addr
 * srv_op_state srv_admin_state … srv_port …`). Pure; the same text is the server-state file.
 */
export function parseServerStates(text: string): ServerState[] {
  const states: ServerState[] = [];
  for (const line of text.split('\n')) {
    const fields = line.trim().split(/\s+/);
    if (fields.length < 19 || line.startsWith('#')) continue;
    const [, backend = '', , server = '', host = '', op = '', admin = ''] = fields;
    const adminBits = Number(admin);
    states.push({
      backend,
      server,
      address: `${host}:${fields[18] ?? ''}`,
      state: op === '0' ? 'DOWN' : 'UP',
      admin: adminBits & MAINT_BITS ? 'MAINT' : adminBits & DRAIN_BITS ? 'DRAIN' : 'READY',
    });
  }
  return states;
}
