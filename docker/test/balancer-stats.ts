/** One server of HAProxy's stats CSV. */
export interface ServerStats {
  backend: string;
  server: string;
  status: string;
  /** Sessions (requests) the server took since it was added. */
  total: number;
}

/** The servers (not the FRONTEND/BACKEND rows) of HAProxy's `/stats;csv`. Pure. */
export function parseServerStats(csv: string): ServerStats[] {
  const [header = '', ...rows] = csv.trim().split('\n');
  const columns = header.replace(/^# /, '').split(',');
  const at = (name: string) => columns.indexOf(name);
  return rows
    .map((row) => row.split(','))
    .filter((cells) => !['FRONTEND', 'BACKEND'].includes(cells[at('svname')] ?? ''))
    .map((cells) => ({
      backend: cells[at('pxname')] ?? '',
      server: cells[at('svname')] ?? '',
      status: cells[at('status')] ?? '',
      total: Number(cells[at('stot')] ?? 0),
    }));
}

/** The servers of `backend` as the load balancer's stats page shows them now. */
export async function backendServers(
  stats: { url: string; auth: string },
  backend: string,
): Promise<ServerStats[]> {
  const response = await fetch(`${stats.url}/stats;csv`, {
    headers: { authorization: `Basic ${Buffer.from(stats.auth).toString('base64')}` },
  });
  if (!response.ok) throw new Error(`stats answered ${response.status}`);
  return parseServerStats(await response.text()).filter((row) => row.backend === backend);
}
