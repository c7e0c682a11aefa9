import { configOrExit, runService } from '@microflack/common';
import { socketioEnv } from './config.js';
import { socketioService } from './service.js';

await runService(socketioService(configOrExit(socketioEnv)));
