/** One member of the local registry: its name and loopback ports. */
export interface EtcdMember {
  name: string;
  /** Client port. */
  port: number;
  /** Peer port. */
  peerPort: number;
}

/** The settings the registry's layout follows. */
export interface EtcdLayout {
  MF_ETCD_MEMBERS: number;
  MF_ETCD_PORT: number;
  MF_ETCD_PEER_PORT: number;
}

/**
 * The members of the local registry. One member is `microflack` on `MF_ETCD_PORT` and
 * `MF_ETCD_PEER_PORT`; a cluster of `MF_ETCD_MEMBERS` names them `microflack-1`… and gives member
 * n the ports `MF_ETCD_PORT + 2(n-1)` and `MF_ETCD_PEER_PORT + 2(n-1)` (12379/12380, 12381/12382,
 * 12383/12384 by default). Pure.
 */
export function etcdMembers(layout: EtcdLayout): EtcdMember[] {
  if (layout.MF_ETCD_MEMBERS === 1) {
    return [{ name: 'microflack', port: layout.MF_ETCD_PORT, peerPort: layout.MF_ETCD_PEER_PORT }];
  }
  return Array.from({ length: layout.MF_ETCD_MEMBERS }, (_, index) => ({
    name: `microflack-${index + 1}`,
    port: layout.MF_ETCD_PORT + 2 * index,
    peerPort: layout.MF_ETCD_PEER_PORT + 2 * index,
  }));
}

/** The client URL of every member, as local processes are given them. Pure. */
export function etcdEndpoints(layout: EtcdLayout): string[] {
  return etcdMembers(layout).map((member) => `http://127.0.0.1:${member.port}`);
}
