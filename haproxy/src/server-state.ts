import type { RegistrySnapshot } from './snapshot.js';

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

const STATE_HEADER =
  '1\n# be_id be_name srv_id srv_name srv_addr srv_op_state srv_admin_state srv_uweight srv_iweight srv_time_since_last_change srv_check_status srv_check_result srv_check_health srv_check_state srv_agent_state bk_f_forced_id srv_f_forced_id srv_fqdn srv_port srvrecord srv_use_ssl srv_check_port srv_check_addr srv_agent_addr srv_agent_port\n';

/**
 * The server-state file for the next configuration: the running worker's states (so a server
 * that is DOWN stays DOWN across the reload), plus every instance HAProxy has not seen yet marked
 * DOWN and never checked. HAProxy 2.6 starts unknown servers UP; this way a new instance takes
 * traffic only once its first health check passed. HAProxy matches lines by backend
 * and server name, keeps the address it resolved (`-`), and takes the port from the line. Pure.
 */
export function nextServerStates(dump: string, snapshot: RegistrySnapshot): string {
  const known = new Set(parseServerStates(dump).map((s) => `${s.backend}/${s.server}`));
  const body = dump.startsWith('1\n') ? dump.replace(/\n*$/, '\n') : STATE_HEADER;
  const fresh = snapshot.services.flatMap((service) =>
    service.instances
      .filter((instance) => !known.has(`${service.name}/${instance.id}`))
      .map((instance) => {
        const port = instance.address.slice(instance.address.lastIndexOf(':') + 1);
        return `0 ${service.name} 0 ${instance.id} - 0 0 1 1 0 1 0 0 6 0 0 0 - ${port} - 0 0 - - 0\n`;
      }),
  );
  return body + fresh.join('');
}
