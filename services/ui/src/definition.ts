import {
  readPackageVersion,
  type ServiceConfigRecord,
  type ServiceDefinition,
} from '@microflack/common';
import { createApp } from './app.js';
import { loadAssets } from './assets.js';
import type { UiConfig } from './config.js';

export { uiEnv, type UiConfig } from './config.js';

/** How the load balancer routes to the ui: everything no other service claims. */
export const uiRoute: ServiceConfigRecord = {
  location: '/',
  balance: 'roundrobin',
  sticky: false,
};

/** The ui service: serves the browser app built by `pnpm build`; no database, no calls. */
export function uiDefinition(config: UiConfig): ServiceDefinition<UiConfig> {
  return {
    name: 'ui',
    version: readPackageVersion(new URL('../package.json', import.meta.url)),
    route: uiRoute,
    config,
    async build({ logger }) {
      const assets = await loadAssets(config.UI_PUBLIC_DIR);
      logger.info({ dir: config.UI_PUBLIC_DIR, files: assets.size }, 'app loaded');
      return { app: createApp({ logger, assets }) };
    },
  };
}
