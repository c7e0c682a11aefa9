import { ensureInfrastructure } from '@microflack/common/testing';
import { buildClient } from '../src/build/client.js';

/**
 * Brings the local infrastructure up when it is not running already, and builds the browser app
 * from its current sources, so the tests never serve a stale build.
 */
export default async function setup(): Promise<void> {
  ensureInfrastructure();
  await buildClient();
}
