import { existsSync } from 'node:fs';
import { ensureInfrastructure } from '@microflack/common/testing';
import { buildClient } from '../src/build/client.js';
import { CHROMIUM } from './browser.js';

/**
 * Brings the local infrastructure up when it is not running already, and builds the browser app
 * from its current sources, so the tests never serve a stale build.
 */
export default async function setup(): Promise<void> {
  // Tests never install system packages: they say what is missing and who installs it.
  if (!existsSync(CHROMIUM)) {
    throw new Error(`${CHROMIUM} is missing: run ./admin/mfup (it installs chromium)`);
  }
  ensureInfrastructure();
  await buildClient();
}
