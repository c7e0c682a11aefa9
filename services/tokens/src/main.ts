import { configOrExit, runService } from '@microflack/common';
import { tokensEnv } from './config.js';
import { tokensService } from './service.js';

await runService(tokensService(configOrExit(tokensEnv)));
