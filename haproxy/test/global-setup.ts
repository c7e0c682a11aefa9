import { ensureInfrastructure } from '@microflack/common/testing';

/** Brings the local infrastructure up when it is not running already. */
export default function setup(): void {
  ensureInfrastructure();
}
